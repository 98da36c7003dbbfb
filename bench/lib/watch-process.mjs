import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { cliPath } from './env.mjs';

/**
 * @typedef {object} WatchProcess
 * @property {number} pid
 * @property {() => boolean} exited whether it has ended (a watch that ends on its own is a failed run)
 * @property {() => Promise<void>} stop SIGTERM, then waits for its exit
 */

/**
 * `tmuxctl watch` over a folder of specs, as a person runs it, its stderr in `logFile`; ended by
 * its pid at the bench's cleanup if the section did not stop it.
 * @param {import('./env.mjs').BenchEnv} env
 * @param {string} socket
 * @param {string} stateDir
 * @param {string} specsDir
 * @param {string} logFile
 * @returns {WatchProcess}
 */
export function startWatchProcess(env, socket, stateDir, specsDir, logFile) {
  const child = spawn(process.execPath, [cliPath, '-L', socket, '--state-dir', stateDir, 'watch', '-f', specsDir], {
    env: env.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.pipe(createWriteStream(logFile));
  let exited = false;
  const ended = new Promise((resolve) => child.on('exit', () => resolve((exited = true))));
  env.onCleanup(() => {
    if (!exited) child.kill('SIGTERM');
  });
  return {
    pid: /** @type {number} */ (child.pid),
    exited: () => exited,
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      await ended;
    },
  };
}
