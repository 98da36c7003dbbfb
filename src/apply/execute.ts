import { formatExit } from '../observe/snapshot.js';
import { paneArgv } from '../plan/hash.js';
import type { Action, Plan, StartStamp } from '../plan/types.js';
import type { SessionSpec } from '../spec/types.js';
import type { TmuxClient } from '../tmux/client.js';
import { exactSession, killSession, newManagedWindow, newSession, respawn, setStamps, type StartArgs } from '../tmux/commands.js';
import { appendMarker, sessionLogFile } from '../session-log/files.js';
import { stopTrees } from './stop.js';

/** A session tmuxctl (re)started in this pass, to be verified. */
export interface Started {
  spec: SessionSpec;
  at: number;
}

export interface Executed {
  started: Started[];
  /** What tmux printed on stderr for the batch (it carries on past a failed line). */
  errors: string[];
}

/**
 * Carries out a plan and decides nothing: stop the process trees that must go (in parallel), then
 * every tmux mutation in one batch through one client.
 */
export interface ExecuteOptions {
  /** Folder of the per-session output logs. */
  logDir: string;
  now?: () => number;
  extraLines?: string[];
  /** Sessions on the server before this plan: the batch's time allowance grows with them. */
  serverSessions?: number;
}

export async function executePlan(tmux: TmuxClient, plan: Plan, opts: ExecuteOptions): Promise<Executed> {
  const now = opts.now ?? Date.now;
  await stopTrees(
    plan.actions.flatMap((a) => {
      if (a.kind === 'kill' || a.kind === 'restart') {
        // A session whose managed pane is gone has no tree of tmuxctl's to stop (the user's panes are theirs).
        const pane = a.observed.pane;
        return pane ? [{ pid: pane.pid, dead: pane.dead, timeoutSeconds: stopTimeout(a) }] : [];
      }
      if (a.kind === 'kill-orphan') return [{ pid: a.pid, startTime: a.startTime, dead: false, timeoutSeconds: a.stopTimeoutSeconds }];
      return [];
    }),
  );
  const at = now();
  writeMarkers(plan, opts.logDir, at);
  const lines: string[] = [];
  const started: Started[] = [];
  for (const a of plan.actions) {
    // One line per action, commands joined by ';': tmux skips the rest of a line after a failed
    // command, so a create that lost a race never stamps ownership onto someone else's session.
    const cmds = linesFor(a, at, opts.logDir);
    if (cmds.length > 0) lines.push(cmds.join(' ; '));
    if (a.kind === 'create' || a.kind === 'restart') started.push({ spec: a.spec, at });
  }
  if (lines.length > 0 && opts.extraLines) lines.push(...opts.extraLines);
  const errors = await tmux.runScript(lines, { serverSessions: opts.serverSessions });
  return { started, errors };
}

function stopTimeout(a: Extract<Action, { kind: 'kill' | 'restart' }>): number {
  return a.kind === 'kill' ? a.stopTimeoutSeconds : a.spec.stopTimeoutSeconds;
}

function linesFor(a: Action, at: number, logDir: string): string[] {
  switch (a.kind) {
    case 'create': {
      const target = exactSession(a.session);
      return [...newSession(startArgs(a.spec, logDir)), ...setStamps(target, stampValues(a.stamp, a.spec, at))];
    }
    case 'restart': {
      const { id, pane, envKeys } = a.observed;
      const start = startArgs(a.spec, logDir);
      const run = pane ? respawn(id, pane.id, start, envKeys) : newManagedWindow(id, start, envKeys);
      return [...run, ...setStamps(id, stampValues(a.stamp, a.spec, at))];
    }
    case 'kill':
      return killSession(a.observed.id);
    case 'update':
      return setStamps(a.observed.id, { source: a.source, stopTimeout: a.stopTimeoutSeconds?.toString() });
    case 'conflict':
    case 'kill-orphan': // stopped by signals above; nothing for tmux to do
      return [];
    default: {
      const never: never = a;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

function startArgs(spec: SessionSpec, logDir: string): StartArgs {
  return { name: spec.name, cwd: spec.cwd, argv: paneArgv(spec.command), env: spec.env, logFile: sessionLogFile(logDir, spec.name) };
}

/** One line per start and stop in each session's log, so runs (and crashes) can be told apart. */
function writeMarkers(plan: Plan, logDir: string, at: number): void {
  for (const a of plan.actions) {
    if (a.kind === 'create') appendMarker(logDir, a.session, `started (${a.reason})`, at);
    else if (a.kind === 'restart') appendMarker(logDir, a.session, `restarted (${a.reason})`, at);
    else if (a.kind === 'kill') appendMarker(logDir, a.session, `stopped (${a.reason})`, at);
  }
}

function stampValues(s: StartStamp, spec: SessionSpec, at: number) {
  return {
    hash: s.hash,
    source: spec.source,
    started: String(at),
    restarts: String(s.restarts),
    crashes: String(s.crashes),
    lastExit: s.lastExit ? formatExit(s.lastExit) : undefined,
    envKeys: Object.keys(spec.env).join(','),
    stopTimeout: String(spec.stopTimeoutSeconds),
  };
}
