import path from 'node:path';
import type { DraftNode, DraftSession } from '../draft.js';
import { Fields, isSourceMap } from '../fields.js';
import { tidyDir } from '../paths.js';
import { renderValue } from '../render-value.js';
import { shellJoin } from '../shell-quote.js';
import { addPane, addWindow, newSession } from '../session-draft.js';
import { folderName, type SourceFile } from '../source.js';
import { envFrom } from './env.js';

/** What pm2 runs a script with when `interpreter` is not given, by extension. */
const INTERPRETERS: Record<string, string> = {
  '.js': 'node',
  '.cjs': 'node',
  '.mjs': 'node',
  '.py': 'python',
  '.sh': 'bash',
  '.rb': 'ruby',
  '.php': 'php',
  '.pl': 'perl',
};
/** pm2's exponential backoff stops growing at 15 s. */
const PM2_BACKOFF_CAP_SECONDS = 15;
const LOGS = "tmuxctl keeps each pane's output itself: see tmuxctl logs";

/**
 * pm2 runs each app as a process of its own: one window per app, with `command:` (argv, no shell,
 * when pm2 would not use one either). The ecosystem file's folder names the session.
 */
export function fromPm2(data: unknown, file: SourceFile): DraftSession {
  const top = new Fields(isSourceMap(data) ? data : { apps: data }, []);
  const session = newSession(file, 'pm2', folderName(file), 'pm2', top.notes);
  const apps = top.take('apps');
  top.skip('deploy', 'tmuxctl does not deploy');
  top.rest();
  const list = Array.isArray(apps) ? apps : isSourceMap(apps) ? [apps] : [];
  if (apps !== undefined && list.length === 0 && !Array.isArray(apps)) top.note('apps', apps, 'expected a list of apps');

  const taken = new Set<string>();
  list.forEach((app, i) => {
    const a = new Fields(isSourceMap(app) ? app : {}, []);
    const script = a.string('script');
    const name = a.string('name') ?? (script ? script.replace(/^.*\//, '').replace(/\.[^.]*$/, '') : undefined);
    if (!script) {
      session.notImported.push(`not imported: apps[${i}]: ${renderValue(app)} (no script to run)`);
      return;
    }
    const window = addWindow(session, taken, name, `app-${i + 1}`, a.notes);
    mapApp(a, addPane(window), script, path.dirname(file.path));
  });
  return session;
}

/**
 * `cwd: path.join(__dirname, 'api')` gives an absolute path inside the ecosystem file's folder:
 * written relative to it, since a spec reads relative paths from its own folder and the spec is
 * meant to be saved beside the ecosystem file. Other paths stay as written.
 */
function besideFile(cwd: string, folder: string): string {
  if (!path.isAbsolute(cwd)) return tidyDir(cwd);
  const relative = path.relative(folder, cwd);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? cwd : `./${relative}`;
}

function mapApp(a: Fields, pane: DraftNode, script: string | undefined, folder: string): void {
  pane.fields.command = commandOf(a, script ?? '');
  const cwd = a.string('cwd');
  if (cwd !== undefined) pane.fields.cwd = besideFile(cwd, folder);
  const env = envFrom(a, 'env');
  if (env) pane.fields.env = env;
  for (const key of Object.keys(a.source)) {
    if (key.startsWith('env_')) a.skip(key, 'pm2 selects env_* blocks with --env; a pane has one env: copy what you need');
  }

  // Restart policy: autorestart false never restarts; stop_exit_codes [0] makes a clean exit final.
  const autorestart = a.take('autorestart');
  const stopCodes = a.take('stop_exit_codes');
  const codes = Array.isArray(stopCodes) ? stopCodes : stopCodes === undefined ? [] : [stopCodes];
  if (autorestart === false) pane.fields.restart = 'never';
  else if (codes.length === 1 && Number(codes[0]) === 0) pane.fields.restart = 'on-failure';
  if (codes.length > 0 && !(codes.length === 1 && Number(codes[0]) === 0)) {
    a.note('stop_exit_codes', stopCodes, 'tmuxctl treats exit 0 as the only clean exit (restart: on-failure)');
  }

  const minUptime = seconds(a, 'min_uptime');
  if (minUptime !== undefined) pane.fields.startSeconds = Math.min(minUptime, 3600);
  const killTimeout = seconds(a, 'kill_timeout');
  if (killTimeout !== undefined) pane.fields.stopTimeoutSeconds = Math.min(Math.max(killTimeout, 0.1), 3600);
  const delay = seconds(a, 'restart_delay');
  const expDelay = seconds(a, 'exp_backoff_restart_delay');
  if (expDelay !== undefined) {
    pane.fields.backoff = { initialSeconds: expDelay, maxSeconds: Math.max(expDelay, PM2_BACKOFF_CAP_SECONDS) };
    if (delay !== undefined) a.note('restart_delay', a.source.restart_delay, 'exp_backoff_restart_delay was taken');
  } else if (delay !== undefined && delay > 0) {
    // A fixed delay between restarts: the backoff starts there and stays there.
    pane.fields.backoff = { initialSeconds: delay, maxSeconds: delay };
  }

  a.skip('max_restarts', 'tmuxctl keeps restarting, with backoff');
  a.skipUnlessDefault('instances', 1, 'one process per pane: declare a pane per instance');
  if (a.source.exec_mode === 'fork' || a.source.exec_mode === 'fork_mode') a.ignore('exec_mode');
  else a.skip('exec_mode', "pm2's cluster mode shares a port between node processes; tmuxctl runs one process per pane");
  a.skip('cron_restart', 'tmuxctl restarts on exit and failed health checks, not on a schedule');
  a.skipUnlessDefault('watch', false, "tmuxctl watch follows spec and env files, not the program's files");
  for (const key of ['ignore_watch', 'watch_delay', 'watch_options']) a.skip(key, "tmuxctl watch follows spec and env files, not the program's files");
  a.skip('max_memory_restart', 'memory is not watched; a healthCheck command can test it');
  for (const key of [
    'log_file',
    'out_file',
    'error_file',
    'output',
    'error',
    'log',
    'merge_logs',
    'combine_logs',
    'log_date_format',
    'time',
    'log_type',
    'disable_logs',
  ])
    a.skip(key, LOGS);
  for (const key of ['pid_file', 'pid']) a.skip(key, 'tmuxctl records what it runs on the pane itself');
  for (const key of ['wait_ready', 'listen_timeout', 'shutdown_with_message'])
    a.skip(key, 'a start counts once the process stays up startSeconds; stops are signals');
  a.skip('namespace', 'tmuxctl groups processes by session');
  a.skipUnlessDefault('treekill', true, 'tmuxctl always stops the whole process tree');
  a.rest();
}

/**
 * The command pm2 would run: the script under its interpreter (explicit, or by extension), with
 * `interpreter_args`/`node_args` before the script and `args` after. `args` as a string is parsed
 * by pm2 as a shell would: then the command is a shell string too.
 */
function commandOf(a: Fields, script: string): string | string[] {
  const interpreter = a.string('interpreter') ?? a.string('exec_interpreter');
  const interpreterArgs = argList(a, 'interpreter_args') ?? argList(a, 'node_args');
  const args = a.take('args');
  const extension = /\.[A-Za-z0-9]+$/.exec(script)?.[0] ?? '';
  const runner = interpreter === 'none' ? undefined : (interpreter ?? INTERPRETERS[extension]);
  if (runner === undefined && interpreterArgs) a.note('interpreter_args', interpreterArgs, 'the script runs without an interpreter');
  let argv: string[] = runner === undefined ? [script] : [runner, ...(interpreterArgs ?? []), script];
  let line: string | undefined;
  // `script: "npm run dev"` is a command line, not a file: pm2 runs it through a shell.
  if (runner === undefined && /\s/.test(script.trim())) line = script.trim();
  if (typeof args === 'string' && args.trim() !== '') line = `${line ?? shellJoin(argv)} ${args.trim()}`;
  else if (Array.isArray(args)) argv = [...argv, ...args.map(String)];
  else if (args !== undefined && args !== null && args !== '') a.note('args', args, 'expected a string or a list');
  if (line !== undefined && Array.isArray(args)) line = `${line} ${shellJoin(args.map(String))}`;
  return line ?? argv;
}

function argList(a: Fields, key: string): string[] | undefined {
  const value = a.take(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.split(/\s+/).filter((s) => s !== '');
  if (Array.isArray(value)) return value.map(String);
  a.note(key, value, 'expected a string or a list');
  return undefined;
}

/** pm2 durations: a number of milliseconds, or a string such as `5s`, `500ms`, `2m`, `1h`. */
function seconds(a: Fields, key: string): number | undefined {
  const value = a.take(key);
  if (value === undefined || value === null) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(String(value));
  if (typeof value === 'boolean' || !match) {
    a.note(key, value, 'expected a duration (milliseconds, or 5s, 2m)');
    return undefined;
  }
  const n = Number(match[1]);
  const unit = match[2] ?? 'ms';
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[unit] ?? 0.001;
  return Math.round(n * factor * 1000) / 1000;
}
