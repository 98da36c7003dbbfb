import { setTimeout as delay } from 'node:timers/promises';
import type { Machine } from '../host/machine.js';
import { isEmptyServer, isNoServer, tmuxFailure, type Tmux } from '../tmux/client.js';
import { buildFormat, FIELD_SEP, parseRows, type Row } from '../tmux/format.js';
import { LEGACY, OPT, OWNED_V2, PANE_HEALTH_OPT, PANE_STAMP_OPT, WINDOW_STAMP_OPT } from '../tmux/options.js';
import { legacyStamps } from './legacy.js';
import { nudgeLostExits } from './lost-exits.js';
import { parsePaneStamp, parseWindowStamp } from './stamps.js';
import type { ObservedPane, ObservedSession, ObservedState, ObservedWindow } from './types.js';

const FIELDS = {
  sessionId: 'session_id',
  created: 'session_created',
  attached: 'session_attached',
  // Empty unless grouped: a client of any session of the group (`tmux new-session -t NAME`) shows these very windows.
  groupAttached: 'session_group_attached',
  group: 'session_group',
  windowId: 'window_id',
  windowIndex: 'window_index',
  paneId: 'pane_id',
  panePid: 'pane_pid',
  active: 'pane_active',
  dead: 'pane_dead',
  deadStatus: 'pane_dead_status',
  deadSignal: 'pane_dead_signal',
  deadTime: 'pane_dead_time',
  hash: OPT.hash,
  source: OPT.source,
  envKeys: OPT.envKeys,
  windowStamp: WINDOW_STAMP_OPT,
  paneStamp: PANE_STAMP_OPT,
  health: PANE_HEALTH_OPT,
  legacyPane: LEGACY.pane,
  legacyManaged: LEGACY.managedPane,
  legacyStarted: LEGACY.started,
  legacyRestarts: LEGACY.restarts,
  legacyLastExit: LEGACY.lastExit,
  legacyCrashes: LEGACY.crashes,
  legacyHealth: LEGACY.health,
  legacyStopTimeout: LEGACY.stopTimeout,
  serverPid: 'pid',
  // Last: a foreign session's name may contain anything but ':'.
  name: 'session_name',
} as const;
export type SnapshotKey = keyof typeof FIELDS;
const KEYS = Object.keys(FIELDS) as SnapshotKey[];
const FORMAT = buildFormat(Object.values(FIELDS));

/**
 * Clients, listed after the panes in the same call. A line of its own kind: pane lines begin with
 * a session id (`$N`), these with a word no format yields there.
 */
const CLIENT_TAG = 'client';
const CLIENT_FIELDS = { tag: CLIENT_TAG, flags: '#{client_flags}', sessionId: '#{session_id}' } as const;
const CLIENT_FORMAT = Object.values(CLIENT_FIELDS).join(FIELD_SEP);
type ClientKey = keyof typeof CLIENT_FIELDS;
const CLIENT_KEYS = Object.keys(CLIENT_FIELDS) as ClientKey[];

/** The one tmux call of a snapshot (a host's connect runs it ahead: host/ssh-machine.ts's HelloPrefetch). */
export const SNAPSHOT_ARGS: readonly string[] = ['list-panes', '-a', '-F', FORMAT, ';', 'list-clients', '-F', CLIENT_FORMAT];

/**
 * One tmux call sees every session, window and pane, whatever their number. When tmux lost the exit
 * of a dead pane, or has it on its way (see lost-exits.ts), the server is nudged as needed and asked
 * again, a few times at most.
 */
export async function observe(machine: Pick<Machine, 'tmux' | 'procs'>, now = Date.now()): Promise<ObservedState> {
  let observed = await snapshot(machine.tmux, now);
  for (let attempt = 1; attempt <= 8 && (await nudgeLostExits(machine.procs, observed)); attempt++) {
    await delay(20 * attempt);
    observed = await snapshot(machine.tmux, now);
  }
  return observed;
}

async function snapshot(tmux: Tmux, now: number): Promise<ObservedState> {
  const r = await tmux.exec(SNAPSHOT_ARGS);
  if (r.code !== 0) {
    if (isNoServer(r.stderr)) return { sessions: new Map(), serverRunning: false, at: now };
    if (isEmptyServer(r.stderr)) return { sessions: new Map(), serverRunning: true, at: now };
    // Never parse a failed listing: an empty view would make owned processes look like orphans.
    throw tmuxFailure(['list-panes'], r);
  }
  const lines = r.stdout.split('\n');
  const clientLine = (l: string) => l.startsWith(`${CLIENT_TAG}${FIELD_SEP}`);
  const rows = parseRows(lines.filter((l) => !clientLine(l)).join('\n'), KEYS);
  const clients = parseRows(lines.filter(clientLine).join('\n'), CLIENT_KEYS);
  const serverPid = rows.length > 0 ? int(rows[0]!.serverPid) : undefined;
  return { sessions: sessionsFromRows(rows, supervisorClients(clients, rows)), serverRunning: true, serverPid, at: now };
}

/**
 * Sessions by name, each with its windows and panes. Stamps count only where tmuxctl put them: a
 * pane's own option (a pane the user splits off does not inherit it), a window's own option, and
 * ownership on the session. A session stamped by tmuxctl 0.1 is read through legacy.ts.
 */
export function sessionsFromRows(rows: Row<SnapshotKey>[], supervisors: SupervisorClients = NO_SUPERVISORS): Map<string, ObservedSession> {
  const byName = new Map<string, ObservedSession>();
  const windows = new Map<string, ObservedWindow>();
  for (const row of rows) {
    let session = byName.get(row.name);
    if (!session) {
      session = toSession(row, supervisors);
      byName.set(row.name, session);
    }
    let window = windows.get(row.windowId);
    if (!window) {
      window = { id: row.windowId, index: int(row.windowIndex), panes: [] };
      const stamp = session.owned && !session.legacy ? parseWindowStamp(row.windowStamp) : undefined;
      if (stamp) window.stamp = stamp;
      windows.set(row.windowId, window);
      session.windows.push(window);
    }
    const pane = toPane(row);
    if (session.owned && !session.legacy) {
      const stamp = parsePaneStamp(row.paneStamp);
      if (stamp) pane.stamp = stamp;
      if (row.health) pane.health = row.health;
    }
    window.panes.push(pane);
  }
  for (const [name, session] of byName) {
    session.windows.sort((a, b) => a.index - b.index);
    if (session.legacy)
      legacyStamps(
        session,
        rows.filter((r) => r.name === name),
      );
  }
  return byName;
}

/**
 * Control clients a supervisor attached (tmuxctl watch's own: control mode with `no-output`), per
 * session id and per session group: they are no person looking, so `attached` (what `update:
 * when-detached` waits for, what status shows) leaves them out. A person's control client (iTerm2's
 * tmux integration) reads the output, has no `no-output`, and counts.
 */
export interface SupervisorClients {
  bySession: ReadonlyMap<string, number>;
  byGroup: ReadonlyMap<string, number>;
}
const NO_SUPERVISORS: SupervisorClients = { bySession: new Map(), byGroup: new Map() };

export function supervisorClients(clients: readonly Row<ClientKey>[], rows: readonly Row<SnapshotKey>[]): SupervisorClients {
  const groupOf = new Map(rows.map((r) => [r.sessionId, r.group]));
  const bySession = new Map<string, number>();
  const byGroup = new Map<string, number>();
  for (const c of clients) {
    const flags = c.flags.split(',');
    if (!flags.includes('control-mode') || !flags.includes('no-output')) continue;
    bySession.set(c.sessionId, (bySession.get(c.sessionId) ?? 0) + 1);
    const group = groupOf.get(c.sessionId);
    if (group) byGroup.set(group, (byGroup.get(group) ?? 0) + 1);
  }
  return { bySession, byGroup };
}

function toSession(row: Row<SnapshotKey>, supervisors: SupervisorClients): ObservedSession {
  // Either option marks ownership: a session created now has only its source; earlier builds (and
  // adopt) also wrote OPT.hash, whose value tells a tmuxctl 0.1 session (anything but v2).
  const owned = row.hash !== '' || row.source !== '';
  return {
    id: row.sessionId,
    name: row.name,
    createdAt: int(row.created) * 1000,
    owned,
    legacy: row.hash !== '' && row.hash !== OWNED_V2,
    source: row.source || undefined,
    windows: [],
    envKeys: row.envKeys ? row.envKeys.split(',') : [],
    attached: Math.max(
      int(row.attached) - (supervisors.bySession.get(row.sessionId) ?? 0),
      row.group ? int(row.groupAttached) - (supervisors.byGroup.get(row.group) ?? 0) : 0,
    ),
  };
}

function toPane(row: Row<SnapshotKey>): ObservedPane {
  const dead = row.dead === '1';
  const pane: ObservedPane = { id: row.paneId, pid: int(row.panePid), dead, active: row.active === '1' };
  if (dead) {
    // tmux 3.3 reports a signal death with an empty status and the signal number, and neither while
    // it has not reaped the process (its SIGCHLD was lost: see supervise/pane-liveness.ts). Then the
    // exit is unknown, not a clean status 0.
    if (row.deadSignal !== '') pane.exit = { signal: int(row.deadSignal) };
    else if (row.deadStatus !== '') pane.exit = { status: int(row.deadStatus) };
    if (row.deadTime) pane.deadAt = int(row.deadTime) * 1000;
  }
  return pane;
}

export function int(s: string): number {
  const n = parseInt(s, 10);
  return Number.isFinite(n) ? n : 0;
}
