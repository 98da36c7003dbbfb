import type { Row } from '../tmux/format.js';
import { parseExit } from './stamps.js';
import type { SnapshotKey } from './snapshot.js';
import type { ObservedSession } from './types.js';

/**
 * A session made by tmuxctl 0.1 has one managed pane and keeps its stamps on the session: read it
 * as one window of one pane, named after the session, so that an unchanged spec finds it in sync
 * and nothing restarts on upgrade. The managed pane is the pane stamped as such (a pane option), or,
 * for a session made before panes were stamped, the pane whose id the session recorded (tmux never
 * reuses a pane id within a server's life). No other pane ever stands in for it.
 */
export function legacyStamps(session: ObservedSession, rows: Row<SnapshotKey>[]): void {
  const stamped = rows.filter((r) => r.legacyManaged !== '');
  const managed =
    stamped.length > 0 ? (stamped.find((r) => r.paneId === r.legacyPane) ?? stamped[0]) : rows.find((r) => r.legacyPane !== '' && r.paneId === r.legacyPane);
  if (!managed) return;
  for (const window of session.windows) {
    const pane = window.panes.find((p) => p.id === managed.paneId);
    if (!pane) continue;
    window.stamp = { name: session.name, panes: 1 };
    const stop = managed.legacyStopTimeout === '' ? undefined : Number(managed.legacyStopTimeout);
    pane.stamp = {
      window: session.name,
      index: 0,
      hash: managed.hash,
      restarts: int(managed.legacyRestarts),
      crashes: int(managed.legacyCrashes),
      ...(managed.legacyStarted !== '' && { startedAt: int(managed.legacyStarted) }),
      ...(parseExit(managed.legacyLastExit) && { lastExit: parseExit(managed.legacyLastExit) }),
      ...(stop !== undefined && Number.isFinite(stop) && stop >= 0 && { stopTimeoutSeconds: stop }),
    };
    if (managed.legacyHealth) pane.health = managed.legacyHealth;
  }
}

function int(s: string): number {
  const n = parseInt(s, 10);
  return Number.isFinite(n) ? n : 0;
}
