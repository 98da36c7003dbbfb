import { setTimeout as delay } from 'node:timers/promises';
import { isNoServer, tmuxFailure, type TmuxClient } from '../tmux/client.js';
import { buildFormat, parseRows, type Row } from '../tmux/format.js';
import { OPT, PANE_STAMP } from '../tmux/options.js';
import { nudgeLostExits } from './lost-exits.js';
import type { ExitInfo, ObservedPane, ObservedSession, ObservedState } from './types.js';

const FIELDS = {
  sessionId: 'session_id',
  created: 'session_created',
  paneId: 'pane_id',
  panePid: 'pane_pid',
  dead: 'pane_dead',
  deadStatus: 'pane_dead_status',
  deadSignal: 'pane_dead_signal',
  deadTime: 'pane_dead_time',
  hash: OPT.hash,
  source: OPT.source,
  managedPane: OPT.pane,
  paneStamp: PANE_STAMP,
  stopTimeout: OPT.stopTimeout,
  started: OPT.started,
  restarts: OPT.restarts,
  lastExit: OPT.lastExit,
  envKeys: OPT.envKeys,
  crashes: OPT.crashes,
  health: OPT.health,
  serverPid: 'pid',
  // Last: a foreign session's name may contain anything but ':'.
  name: 'session_name',
} as const;
type Key = keyof typeof FIELDS;
const KEYS = Object.keys(FIELDS) as Key[];
const FORMAT = buildFormat(Object.values(FIELDS));

/**
 * One tmux call sees every session and pane, whatever their number. When tmux lost the exit of a
 * dead pane (see lost-exits.ts) the server is nudged and asked again, a few times at most.
 */
export async function observe(tmux: TmuxClient, now = Date.now()): Promise<ObservedState> {
  let observed = await snapshot(tmux, now);
  for (let attempt = 1; attempt <= 8 && nudgeLostExits(observed); attempt++) {
    await delay(20 * attempt);
    observed = await snapshot(tmux, now);
  }
  return observed;
}

async function snapshot(tmux: TmuxClient, now: number): Promise<ObservedState> {
  const r = await tmux.exec(['list-panes', '-a', '-F', FORMAT]);
  if (r.code !== 0) {
    if (isNoServer(r.stderr)) return { sessions: new Map(), serverRunning: false, at: now };
    // Never parse a failed listing: an empty view would make owned processes look like orphans.
    throw tmuxFailure(['list-panes'], r);
  }
  const rows = parseRows(r.stdout, KEYS);
  const serverPid = rows.length > 0 ? int(rows[0]!.serverPid) : undefined;
  return { sessions: sessionsFromRows(rows), serverRunning: true, serverPid, at: now };
}

/**
 * One session per name. An owned session's managed pane is the pane stamped as such (a pane option,
 * which panes the user splits off do not inherit), or, for a session made before panes were stamped,
 * the pane whose id the session recorded (tmux never reuses a pane id within a server's life). No
 * other pane ever stands in for it: when it is gone the session has no managed pane.
 */
export function sessionsFromRows(rows: Row<Key>[]): Map<string, ObservedSession> {
  const byName = new Map<string, ObservedSession>();
  const bySession = new Map<string, Row<Key>[]>();
  for (const row of rows) {
    const list = bySession.get(row.name);
    if (list) list.push(row);
    else bySession.set(row.name, [row]);
  }
  for (const [name, list] of bySession) {
    const first = list[0]!;
    // Session options read the same on every pane's row; any row carrying the hash will do.
    const stampedRow = list.find((r) => r.hash !== '');
    if (!stampedRow) {
      byName.set(name, toSession(first, toPane(first)));
      continue;
    }
    const stamped = list.filter((r) => r.paneStamp !== '');
    const managed =
      stamped.length > 0
        ? (stamped.find((r) => r.paneId === r.managedPane) ?? stamped[0])
        : list.find((r) => r.managedPane !== '' && r.paneId === r.managedPane);
    byName.set(name, toSession(managed ?? stampedRow, managed && toPane(managed)));
  }
  return byName;
}

function toSession(row: Row<Key>, pane: ObservedPane | undefined): ObservedSession {
  return {
    id: row.sessionId,
    name: row.name,
    createdAt: int(row.created) * 1000,
    owned: row.hash !== '',
    hash: row.hash || undefined,
    source: row.source || undefined,
    pane,
    startedAt: optInt(row.started),
    restarts: int(row.restarts),
    lastExit: parseExit(row.lastExit),
    envKeys: row.envKeys ? row.envKeys.split(',') : [],
    crashes: int(row.crashes),
    health: row.health || undefined,
    stopTimeoutSeconds: row.stopTimeout === '' ? undefined : positiveNumber(row.stopTimeout),
  };
}

function toPane(row: Row<Key>): ObservedPane {
  const dead = row.dead === '1';
  const pane: ObservedPane = { id: row.paneId, pid: int(row.panePid), dead };
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

export function formatExit(e: ExitInfo): string {
  return 'status' in e ? `status:${e.status}` : `signal:${e.signal}`;
}

export function parseExit(s: string): ExitInfo | undefined {
  const m = /^(status|signal):(\d+)$/.exec(s);
  if (!m) return undefined;
  return m[1] === 'status' ? { status: Number(m[2]) } : { signal: Number(m[2]) };
}

function int(s: string): number {
  const n = parseInt(s, 10);
  return Number.isFinite(n) ? n : 0;
}

function positiveNumber(s: string): number | undefined {
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function optInt(s: string): number | undefined {
  return s === '' ? undefined : int(s);
}
