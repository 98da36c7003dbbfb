import type { DraftNode, DraftSession } from '../draft.js';
import { Fields, isSourceMap } from '../fields.js';
import { tidyDir } from '../paths.js';
import { renderValue } from '../render-value.js';
import { shellQuote } from '../shell-quote.js';
import { addPane, addWindow, newSession } from '../session-draft.js';
import { folderName, type SourceFile } from '../source.js';
import { envFromList } from './env.js';

const LOGS = "tmuxctl keeps each pane's output itself: see tmuxctl logs";
const NO_DEPENDENCIES = 'dependencies are not supported yet';
const RESTART: Record<string, 'always' | 'on-failure' | 'never'> = { always: 'always', on_failure: 'on-failure', no: 'never' };

/**
 * process-compose runs each process as the process itself (no typed keys): one window per process,
 * with `command:`. Its default is not to restart (`availability.restart: no`), so a process without
 * a policy gets `restart: never` where tmuxctl's default would be `always`.
 */
export function fromProcessCompose(data: unknown, file: SourceFile): DraftSession {
  const reader = new Fields(isSourceMap(data) ? data : {}, []);
  const original = reader.string('name');
  const session = newSession(file, 'process-compose', original ?? folderName(file), folderName(file), reader.notes);
  reader.ignore('version');
  const env = envFromList(reader, 'environment');
  if (env) session.fields.env = env;
  for (const key of ['log_location', 'log_level', 'log_length', 'log_configuration', 'log_format']) reader.skip(key, LOGS);
  reader.skip('shell', 'a command string runs under sh -c');
  reader.skip('vars', 'templates are not rendered; the commands are copied as written');
  reader.skip('env_cmds', 'environment values are not computed by commands');
  reader.skip('is_strict', 'tmuxctl always checks specs strictly');
  reader.skip('ordered_shutdown', NO_DEPENDENCIES);
  reader.skip('is_tui_disabled', 'tmuxctl has no TUI; attach with tmux attach -t');
  const processes = reader.take('processes');
  reader.rest();

  const taken = new Set<string>();
  if (!isSourceMap(processes)) {
    if (processes !== undefined) reader.note('processes', processes, 'expected a map of process name to process');
    return session;
  }
  for (const [name, value] of Object.entries(processes)) {
    const source = isSourceMap(value) ? value : {};
    if (source.disabled === true) {
      session.notImported.push(`not imported: processes.${name}: ${renderValue(value)} (disabled: tmuxctl starts every pane it declares)`);
      continue;
    }
    if (typeof source.command !== 'string' && !Array.isArray(source.entrypoint)) {
      session.notImported.push(`not imported: processes.${name}: ${renderValue(value)} (no command or entrypoint to run)`);
      continue;
    }
    const pf = new Fields(source, []);
    const window = addWindow(session, taken, name, `process-${taken.size + 1}`, pf.notes);
    const pane = addPane(window);
    mapProcess(pf, pane);
    // One pane per window: what the process could not map stays with the window.
  }
  return session;
}

function mapProcess(p: Fields, pane: DraftNode): void {
  p.ignore('disabled');
  const command = p.string('command');
  const entrypoint = p.take('entrypoint');
  if (Array.isArray(entrypoint) && entrypoint.every((a) => typeof a === 'string')) {
    // `entrypoint` is argv; a `command` beside it is its last argument, as in compose.
    pane.fields.command = command === undefined ? entrypoint : [...entrypoint, command];
  } else {
    if (entrypoint !== undefined) p.note('entrypoint', entrypoint, 'expected a list of strings');
    pane.fields.command = command ?? '';
  }
  const dir = p.string('working_dir');
  if (dir !== undefined) pane.fields.cwd = tidyDir(dir);
  const env = envFromList(p, 'environment');
  if (env) pane.fields.env = env;
  const envFile = p.string('env_file');
  if (envFile !== undefined) pane.fields.envFile = envFile;

  mapAvailability(p, pane);
  mapShutdown(p, pane);
  mapProbes(p, pane);

  const depends = p.take('depends_on');
  if (depends !== undefined) p.note('depends_on', dependsText(depends), NO_DEPENDENCIES);
  p.skip('ready_log_line', NO_DEPENDENCIES);
  for (const key of ['log_location', 'log_configuration', 'truncate_log']) p.skip(key, LOGS);
  p.skipUnlessDefault('is_daemon', false, 'tmuxctl supervises a process that stays in the foreground; run the daemon in the foreground');
  p.skip('replicas', 'one process per pane: declare a pane per replica');
  p.skip('namespace', 'tmuxctl groups processes by session');
  p.skip('description', 'write it as a comment');
  for (const key of ['is_tty', 'is_interactive', 'is_foreground']) p.skipUnlessDefault(key, false, 'every pane is a terminal you can attach to');
  p.rest();
}

function mapAvailability(p: Fields, pane: DraftNode): void {
  const a = p.nested('availability');
  const restart = a?.string('restart');
  if (restart === 'exit_on_failure') {
    a?.note('restart', restart, 'process-compose stops every process when this one fails; tmuxctl leaves it dead and touches no other pane');
    pane.fields.restart = 'never';
  } else if (restart !== undefined && RESTART[restart]) {
    pane.fields.restart = RESTART[restart];
  } else {
    if (restart !== undefined) a?.note('restart', restart, 'expected always, on_failure, exit_on_failure or no');
    pane.fields.restart = 'never';
  }
  const backoff = a?.number('backoff_seconds');
  if (backoff !== undefined && pane.fields.restart !== 'never') {
    // A constant delay between restarts: the backoff starts and stays there.
    const seconds = Math.max(backoff, 1);
    pane.fields.backoff = { initialSeconds: seconds, maxSeconds: seconds };
  } else if (backoff !== undefined) {
    a?.note('backoff_seconds', backoff, 'the process is never restarted');
  }
  a?.skip('max_restarts', 'tmuxctl keeps restarting, with backoff');
  a?.skipUnlessDefault('exit_on_end', false, 'tmuxctl stops no other pane when one ends');
  a?.skip('exit_on_skipped', NO_DEPENDENCIES);
  a?.rest();
}

function mapShutdown(p: Fields, pane: DraftNode): void {
  const s = p.nested('shutdown');
  if (!s) return;
  const timeout = s.number('timeout_seconds');
  if (timeout !== undefined && timeout > 0) pane.fields.stopTimeoutSeconds = timeout;
  const signal = s.number('signal');
  if (signal !== undefined && signal !== 15) s.note('signal', signal, 'tmuxctl stops with SIGTERM, then SIGKILL after stopTimeoutSeconds');
  s.skip('command', 'tmuxctl stops the process tree with signals, not a command');
  s.skip('parent_only', 'tmuxctl stops the whole process tree');
  s.skip('send_keys', 'tmuxctl stops with signals, not typed keys');
  s.rest();
}

/**
 * A probe becomes the pane's `healthCheck` (an unhealthy pane is restarted, as process-compose
 * does under `restart: always`). The liveness probe is preferred; a readiness probe is used when it
 * is the only one. process-compose's defaults (every 10 s, 1 s timeout, 3 failures) are written out,
 * since tmuxctl's differ.
 */
function mapProbes(p: Fields, pane: DraftNode): void {
  const hasLiveness = p.has('liveness_probe');
  for (const key of ['liveness_probe', 'readiness_probe'] as const) {
    const probe = p.nested(key);
    if (!probe) continue;
    if (key === 'readiness_probe' && hasLiveness) {
      p.note(key, probe.source, 'a pane has one health check: the liveness probe was taken; readiness gates dependencies, which are not supported yet');
      continue;
    }
    const command = probeCommand(probe);
    if (command === undefined) continue;
    pane.fields.healthCheck = {
      command,
      intervalSeconds: probe.number('period_seconds') ?? 10,
      timeoutSeconds: probe.number('timeout_seconds') ?? 1,
      failureThreshold: probe.number('failure_threshold') ?? 3,
    };
    probe.skipUnlessDefault('initial_delay_seconds', 0, 'checks start with the first interval after a start');
    probe.skipUnlessDefault('success_threshold', 1, 'one passing check counts as healthy');
    probe.rest();
  }
}

function probeCommand(probe: Fields): string | undefined {
  const exec = probe.nested('exec');
  if (exec) {
    const command = exec.string('command');
    exec.skip('working_dir', "health checks run in the pane's cwd");
    exec.rest();
    if (command !== undefined) return command;
  }
  const http = probe.nested('http_get');
  if (http) {
    const scheme = http.string('scheme') ?? 'http';
    const host = http.string('host') ?? '127.0.0.1';
    const port = http.string('port') ?? http.string('num_port');
    const path = http.string('path') ?? '/';
    http.skip('headers', 'write them into the curl command');
    http.skip('status_code', 'curl -f counts any status below 400 as healthy');
    http.rest();
    const url = `${scheme}://${host}${port === undefined ? '' : `:${port}`}${path.startsWith('/') ? path : `/${path}`}`;
    return `curl -fsS ${shellQuote(url)}`;
  }
  probe.note('exec', null, 'a probe needs exec.command or http_get');
  return undefined;
}

/** `depends_on` as people read it: `db (process_healthy), migrate (process_completed_successfully)`. */
function dependsText(depends: unknown): unknown {
  if (!isSourceMap(depends)) return depends;
  return Object.entries(depends)
    .map(([name, v]) => (isSourceMap(v) && typeof v.condition === 'string' ? `${name} (${v.condition})` : name))
    .join(', ');
}
