import { spawn } from 'node:child_process';

/** The wall clock in milliseconds with sub-millisecond precision (comparable with bash's $EPOCHREALTIME). */
export const wallNow = () => performance.timeOrigin + performance.now();

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @typedef {object} TimedOptions
 * @property {NodeJS.ProcessEnv} [env] the child's whole environment (default: this process's)
 * @property {string} [cwd]
 * @property {string} [input] written to the child's stdin, then closed; stdin is /dev/null without it
 * @property {boolean} [check] reject on a non-zero exit (default true)
 * @property {number} [timeoutMs] SIGKILL the child after this long (default 10 minutes)
 */

/**
 * @typedef {object} TimedResult
 * @property {number} ms wall time from spawn to exit
 * @property {number | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {string} out
 * @property {string} err
 */

/**
 * Runs a command to completion and returns its wall time in ms (performance.now around the child,
 * from spawn to exit), its exit code and output. Rejects if it exits non-zero and `check` is set.
 * @param {string} cmd
 * @param {readonly string[]} args
 * @param {TimedOptions} [options]
 * @returns {Promise<TimedResult>}
 */
export function timed(cmd, args, { env, cwd, input, check = true, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ms;
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', () => (ms = performance.now() - t0));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ms ??= performance.now() - t0;
      const r = { ms, code, signal, out, err };
      if (check && code !== 0)
        reject(Object.assign(new Error(`${cmd} ${args.join(' ').slice(0, 200)} exited ${code ?? signal}: ${err.trim().slice(0, 500)}`), r));
      else resolve(r);
    });
    if (input !== undefined) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

/**
 * Polls `test` until it returns a truthy value; rejects after timeoutMs.
 * @template T
 * @param {() => T | Promise<T>} test
 * @param {{ timeoutMs?: number, intervalMs?: number, what?: string }} [options]
 * @returns {Promise<T>}
 */
export async function waitFor(test, { timeoutMs = 30_000, intervalMs = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await test();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
