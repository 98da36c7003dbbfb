import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Session names s0..s{n-1}.
 * @param {number} n
 */
export const names = (n) => Array.from({ length: n }, (_, i) => `s${i}`);

/** What every tool runs in each session: argv `sleep 100000`, no shell, in all tools alike. */
export const SLEEP_ARGV = ['sleep', '100000'];

const q = (s) => JSON.stringify(String(s));

/**
 * @typedef {object} TmuxctlSpecOptions
 * @property {readonly string[] | ((name: string) => readonly string[])} [command] argv of every session, or per session name (default SLEEP_ARGV)
 * @property {number} [startSeconds] omitted from the spec when undefined
 * @property {(name: string) => string[]} [extra] YAML lines (indented for you) to add under a session
 */

/**
 * A tmuxctl spec with one session per name. `extra(name)` may add fields, as YAML lines
 * (indented by 4 spaces for you) to put under the session.
 * @param {string} file
 * @param {readonly string[]} sessionNames
 * @param {TmuxctlSpecOptions} [options]
 */
export function writeTmuxctlSpec(file, sessionNames, { command = SLEEP_ARGV, startSeconds, extra } = {}) {
  const lines = ['version: 1', 'sessions:'];
  for (const name of sessionNames) {
    lines.push(`  ${name}:`);
    const cmd = typeof command === 'function' ? command(name) : command;
    lines.push(`    command: [${cmd.map(q).join(', ')}]`);
    if (startSeconds !== undefined) lines.push(`    startSeconds: ${startSeconds}`);
    for (const l of extra ? extra(name) : []) lines.push(`    ${l}`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** `tmux start-server ; new-session -d -s s0 sleep 100000 ; ...`: every session in one client. */
export function rawBatchArgs(socket, sessionNames) {
  const args = ['-L', socket, 'start-server'];
  for (const name of sessionNames) args.push(';', 'new-session', '-d', '-s', name, ...SLEEP_ARGV);
  return args;
}

/** A shell script running one `tmux new-session` per session, one after the other. */
export function writeRawEachScript(file, tmux, socket, sessionNames) {
  const lines = ['#!/bin/sh', 'set -e'];
  for (const name of sessionNames) lines.push(`${tmux} -L ${socket} new-session -d -s ${name} ${SLEEP_ARGV.join(' ')}`);
  writeFileSync(file, lines.join('\n') + '\n');
  chmodSync(file, 0o755);
  return file;
}

/** One tmuxp workspace file per session (a tmuxp workspace is one session). */
export function writeTmuxpWorkspaces(dir, sessionNames) {
  return sessionNames.map((name) => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, `session_name: ${name}\nwindows:\n  - window_name: main\n    panes:\n      - ${SLEEP_ARGV.join(' ')}\n`);
    return file;
  });
}

/** One tmuxinator project per session, and a script starting them all one after the other. */
export function writeTmuxinatorProjects(dir, tmuxinator, socket, sessionNames) {
  const files = sessionNames.map((name) => {
    const file = path.join(dir, `${name}.yml`);
    writeFileSync(file, `name: ${name}\nroot: ${dir}\nsocket_name: ${socket}\nattach: false\nwindows:\n  - main: ${SLEEP_ARGV.join(' ')}\n`);
    return file;
  });
  const script = path.join(dir, 'start-all.sh');
  writeFileSync(script, ['#!/bin/sh', 'set -e', ...files.map((f) => `${tmuxinator} start -p ${f} --no-attach >/dev/null`)].join('\n') + '\n');
  chmodSync(script, 0o755);
  return script;
}

/**
 * A pm2 ecosystem file with one app per session, restarted on exit without delay.
 * @param {string} file
 * @param {readonly string[]} sessionNames
 * @param {{ argv?: (name: string) => readonly string[] }} [options] each app's argv, by session name
 */
export function writePm2Ecosystem(file, sessionNames, { argv = () => SLEEP_ARGV } = {}) {
  const apps = sessionNames.map((name) => {
    const [script, ...args] = argv(name);
    return { name, script, args, interpreter: 'none', autorestart: true, restart_delay: 0, cwd: path.dirname(file) };
  });
  writeFileSync(file, `module.exports = ${JSON.stringify({ apps }, null, 2)};\n`);
  return file;
}
