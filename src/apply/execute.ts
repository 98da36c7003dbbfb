import { join } from 'node:path';
import { encodePaneStamp, encodeWindowStamp } from '../observe/stamps.js';
import { paneArgv } from '../plan/hash.js';
import type { Action, PaneStart, Plan, WindowStart } from '../plan/types.js';
import { markerLine, sessionLogFile } from '../session-log/files.js';
import type { Marker } from '../host/files.js';
import type { PaneSpec } from '../spec/types.js';
import type { Machine } from '../host/machine.js';
import {
  adoptSession,
  forgetLegacyEnv,
  globalWakeHooks,
  keepWhenDead,
  killPanes,
  killSession,
  newSession,
  newWindow,
  type PaneArgs,
  respawn,
  selectLayout,
  sendOutputTo,
  setPaneStamp,
  setSessionOption,
  setWindowStamp,
  splitPane,
  swapWindows,
  unstampWindow,
  type WindowArgs,
} from '../tmux/commands.js';
import { OPT, OWNED_V2, SESSION_ENV_MARKER, START_ENV } from '../tmux/options.js';
import { type Carry, type CarryRequest, carryInto, carryScreens } from './carry-screen.js';
import { deferrableStops, stopTrees } from './stop.js';
import { typeKeys } from './type-keys.js';

/** A pane tmuxctl (re)started in this pass, to be verified. */
export interface Started {
  spec: PaneSpec;
  at: number;
}

export interface Executed {
  started: Started[];
  /** What tmux printed on stderr for the batch (it carries on past a failed line). */
  errors: string[];
}

/** Folder (in the log folder) of the screens restarted panes reprint, each removed once printed. */
const CARRY_DIR = 'carry';

export interface ExecuteOptions {
  /** Folder of the per-pane output logs. */
  logDir: string;
  now?: () => number;
  extraLines?: string[];
  /** Sessions on the server before this plan: the batch's time allowance grows with them. */
  serverSessions?: number;
}

/**
 * Carries out a plan and decides nothing: stop the process trees that must go (in parallel), then
 * every tmux mutation in one batch through one client, then type the `keys` of the panes started.
 */
export async function executePlan(machine: Machine, plan: Plan, opts: ExecuteOptions): Promise<Executed> {
  const tmux = machine.tmux;
  const now = opts.now ?? Date.now;
  // Managed panes that sit in a window tmuxctl did not make (moved there by a person) stay when
  // their process is stopped below, so no window closes and renumbers the others before the batch.
  const strays = plan.actions.flatMap((a) =>
    (a.kind === 'kill-pane' || a.kind === 'restart' || a.kind === 'stop' || a.kind === 'give-up') && !a.managed.window.stamp ? [a.managed.pane.id] : [],
  );
  // A hold is stamped before its process is stopped: a reconciler that sees the death (a watch that
  // does not share our lock, a later pass) sees the hold with it, and never restarts it.
  const holds = plan.actions.flatMap((a) => (a.kind === 'stop' || a.kind === 'give-up' ? setPaneStamp(a.managed.pane.id, encodePaneStamp(a.stamp)) : []));
  const before = strays.length > 0 || holds.length > 0 ? await tmux.runScript([...keepWhenDead(strays), ...holds]) : [];
  // A hold tmux did not record is not followed by its stop: the next pass would start the pane again,
  // after `stop` had said it was stopped. Reported instead (exit 3), nothing of it done.
  const unheld = before.length > 0 && holds.length > 0;
  const stops = await deferrableStops(
    machine.procs,
    plan.actions.flatMap((a) =>
      (a.kind === 'stop' || a.kind === 'give-up') && unheld
        ? []
        : 'stops' in a
          ? a.stops
          : a.kind === 'kill-orphan'
            ? [{ pid: a.pid, startTime: a.startTime, dead: false, timeoutSeconds: a.stopTimeoutSeconds }]
            : [],
    ),
  );
  await stopTrees(machine.procs, stops.before);
  // After the stops (a restart's last output is on its screen by now), before respawn clears it.
  const carried = machine.files.carriesScreens ? await carryScreens(tmux, restartsToCarry(plan), join(opts.logDir, CARRY_DIR)) : new Map<string, Carry>();
  const at = now();
  // A pane whose name changed keeps its history: its log files move with it before its output is sent there.
  await machine.files.moveLogs(
    opts.logDir,
    plan.actions.flatMap((a) => (a.kind === 'update' ? a.panes.flatMap((p) => (p.log ? [p.log] : [])) : [])),
  );
  // A start's marker goes into its log writer's script where the machine says so (startMarkersByWriter).
  const markStarts = machine.files.startMarkersByWriter ? at : undefined;
  await machine.files.appendMarkers(opts.logDir, markersOf(plan, markStarts === undefined), at);
  // First, so that a pane that dies while the batch runs already wakes watch; once per batch, not per window.
  const hooks = wakesWatch(plan) ? globalWakeHooks() : [];
  const lines: string[] = [...hooks];
  const started: Started[] = [];
  for (const a of plan.actions) {
    // One line per action, commands joined by ';': tmux skips the rest of a line after a failed
    // command, so a create that lost a race never stamps ownership onto someone else's session.
    const cmds = linesFor(a, at, opts.logDir, carried, markStarts);
    if (cmds.length > 0) lines.push(cmds.join(' ; '));
    started.push(...startsOf(a).map((p) => ({ spec: p.spec, at })));
  }
  if (lines.length > 0 && opts.extraLines) lines.push(...opts.extraLines.filter((l) => !hooks.includes(l)));
  const errors = [
    ...before.map((e) => (unheld ? `${e} (a hold could not be recorded: nothing was stopped for stop or maxRestarts)` : e)),
    ...(await tmux.runScript(lines, { serverSessions: opts.serverSessions })),
  ];
  // Leftovers of dead panes whose own group was empty: looked for once the restarts are on their way.
  await stopTrees(machine.procs, stops.after);
  const typed = started.filter((s) => s.spec.keys !== undefined && s.spec.keys !== '');
  if (typed.length > 0)
    errors.push(
      ...(await typeKeys(
        tmux,
        typed.map((s) => s.spec),
      )),
    );
  return { started, errors };
}

/**
 * Whether the batch makes, respawns or takes over a pane: then it sets watch's global hooks (the
 * pane-died hook is set once per server, no longer on each window), so a death in what this run
 * made wakes a watch that runs now or later, even one that never acted on this server.
 */
function wakesWatch(plan: Plan): boolean {
  return plan.actions.some((a) => a.kind === 'adopt' || startsOf(a).length > 0);
}

function startsOf(a: Action): PaneStart[] {
  switch (a.kind) {
    case 'create':
      return a.windows.flatMap((w) => w.panes);
    case 'create-window':
      return a.window.panes;
    case 'split':
    case 'restart':
      return [a.pane];
    default:
      return [];
  }
}

/** Every restarted pane reprints its screen and a marker (first starts get neither). */
function restartsToCarry(plan: Plan): CarryRequest[] {
  return plan.actions.flatMap((a) => (a.kind === 'restart' ? [{ paneId: a.managed.pane.id, target: a.pane.spec.target, reason: a.reason }] : []));
}

/** `markStarts`: the time to stamp a start's marker with, when its log writer writes it (startMarkersByWriter). */
function linesFor(a: Action, at: number, logDir: string, carried: ReadonlyMap<string, Carry>, markStarts: number | undefined): string[] {
  const marker = markStarts === undefined ? undefined : markerLine(startMarkerText(a), markStarts);
  switch (a.kind) {
    case 'create':
      return newSession(
        a.session,
        a.spec.source,
        a.windows.map((w) => windowArgs(w, at, logDir, marker)),
      );
    case 'create-window':
      return [...forgetLegacyEnv(a.observed.id, a.observed.envKeys), ...newWindow(a.observed.id, a.at.index, windowArgs(a.window, at, logDir, marker))];
    case 'split': {
      const active = a.window.panes.find((p) => p.active)?.id;
      return [...forgetLegacyEnv(a.observed.id, a.observed.envKeys), ...splitPane(a.window.id, paneArgs(a.pane, at, logDir, marker), active)];
    }
    case 'restart':
      return respawn(
        a.observed.id,
        a.session,
        a.managed.pane.id,
        carryInto(paneArgs(a.pane, at, logDir, marker), carried.get(a.managed.pane.id)),
        a.observed.envKeys,
      );
    case 'kill':
      return killSession(a.observed.id);
    case 'kill-window':
      return [...unstampWindow(a.window.id), ...killPanes(a.panes.map((m) => m.pane.id))];
    case 'kill-pane':
      return killPanes([a.managed.pane.id]);
    case 'layout':
      return [
        ...setWindowStamp(a.window.id, encodeWindowStamp({ name: a.name, panes: a.panes, ...(a.layout !== undefined && { layout: a.layout }) })),
        ...(a.layout !== undefined ? selectLayout(a.window.id, a.layout) : []),
      ];
    case 'reorder':
      return a.swaps.flatMap(([x, y]) => swapWindows(a.observed.id, x, y));
    case 'update':
      return [
        ...(a.source !== undefined ? setSessionOption(a.observed.id, OPT.source, a.source) : []),
        ...a.windows.flatMap((w) =>
          setWindowStamp(w.window.id, encodeWindowStamp({ name: w.name, panes: w.panes, ...(w.layout !== undefined && { layout: w.layout }) })),
        ),
        ...a.panes.flatMap((p) => [
          ...setPaneStamp(p.managed.pane.id, encodePaneStamp(p.stamp)),
          ...(p.log !== undefined ? sendOutputTo(p.managed.pane.id, sessionLogFile(logDir, p.log.to)) : []),
        ]),
        ...(a.migrate ? forgetLegacyEnv(a.observed.id, a.observed.envKeys) : []),
        // Last: once the session reads as per-pane, its 0.1 stamps are no longer looked at.
        ...(a.migrate ? setSessionOption(a.observed.id, OPT.hash, OWNED_V2) : []),
      ];
    case 'adopt':
      return adoptSession(
        a.sessionId,
        a.session,
        a.source,
        a.owner,
        a.windows.map((w) => ({
          target: w.target,
          stamp: encodeWindowStamp({ name: w.name, panes: w.panes.length, ...(w.layout !== undefined && { layout: w.layout }) }),
          panes: w.panes.map((p) => ({
            target: p.target,
            stamp: encodePaneStamp({ ...p.stamp, startedAt: at }),
            logFile: sessionLogFile(logDir, p.spec.target),
          })),
        })),
      );
    case 'conflict':
    case 'stop': // stamped before its tree was stopped, above
    case 'give-up':
    case 'kill-orphan': // stopped by signals above; nothing for tmux to do
      return [];
    default: {
      const never: never = a;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

function windowArgs(w: WindowStart, at: number, logDir: string, marker: string | undefined): WindowArgs {
  return {
    ...(w.named && { name: w.spec.name }),
    stamp: encodeWindowStamp({ name: w.spec.name, panes: w.panes.length, ...(w.layout !== undefined && { layout: w.layout }) }),
    ...(w.layout !== undefined && { layout: w.layout }),
    panes: w.panes.map((p) => paneArgs(p, at, logDir, marker)),
  };
}

function paneArgs(p: PaneStart, at: number, logDir: string, marker: string | undefined): PaneArgs {
  return {
    cwd: p.spec.cwd,
    argv: paneArgv(p.resume && p.spec.restartCommand ? p.spec.restartCommand : p.spec.command),
    env: {
      ...p.spec.env,
      [SESSION_ENV_MARKER]: p.spec.session,
      [START_ENV.window]: p.spec.window,
      [START_ENV.pane]: String(p.spec.index),
      [START_ENV.restarts]: String(p.stamp.restarts),
    },
    logFile: sessionLogFile(logDir, p.spec.target),
    stamp: encodePaneStamp({ ...p.stamp, startedAt: at }),
    ...(marker !== undefined && { logMarker: marker }),
  };
}

/**
 * One line per start and stop in each pane's log, so runs (and crashes) can be told apart; the
 * starts' only with `starts` (else their log writers write them: startMarkersByWriter).
 */
function markersOf(plan: Plan, starts: boolean): Marker[] {
  return plan.actions.flatMap((a) => {
    const stopped = a.kind === 'kill' || a.kind === 'kill-window' ? a.logs : a.kind === 'kill-pane' || a.kind === 'stop' ? [a.target] : [];
    return [
      ...(starts ? startsOf(a).map((p) => ({ session: p.spec.target, text: startMarkerText(a) })) : []),
      ...stopped.map((log) => ({ session: log, text: `stopped (${a.reason})` })),
      ...(a.kind === 'give-up' ? [{ session: a.target, text: `gave up (${a.reason})` }] : []),
    ];
  });
}

/** What a start's marker says: `restarted (killed by signal 9)`, `started (not found)`. */
function startMarkerText(a: Action): string {
  return `${a.kind === 'restart' ? 'restarted' : 'started'} (${a.reason})`;
}
