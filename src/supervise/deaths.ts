import { exitFields } from '../apply/reconcile.js';
import type { EventLog } from '../log/events.js';
import { managedPanes, type ObservedState } from '../observe/types.js';
import { observedTarget } from '../plan/targets.js';
import { describeExit } from '../plan/restart-decision.js';
import type { MachineFiles } from '../host/files.js';

/**
 * Death bookkeeping of one watch: an `exit` event and a log marker once per death it sees, and
 * death times made exact for backoff. Only deaths still on screen are remembered, so a long crash
 * loop does not grow the ledger. Writing the event or the marker may fail (a full disk): that is
 * reported by the writers and never stops the pass that plans the restart.
 */
export class DeathLedger {
  /** `paneId:panePid` -> when this watch first saw that death. */
  private seen = new Map<string, number>();

  constructor(
    private readonly logDir: string,
    private readonly events: EventLog,
    /** The files of the machine the panes run on: a host's session logs are there, not here. */
    private readonly files: Pick<MachineFiles, 'appendMarkers'>,
  ) {}

  /** Records deaths new in this snapshot; returns it with each death's time refined. */
  note(observed: ObservedState): ObservedState {
    const deadNow = new Map<string, number>();
    for (const s of observed.sessions.values()) {
      for (const { pane } of managedPanes(s).values()) {
        // A pane a person stopped died because they asked: `tmuxctl stop` recorded that, not a crash.
        if (!pane.dead || pane.stamp?.hold) continue;
        const key = `${pane.id}:${pane.pid}`;
        const firstSeen = this.seen.get(key) ?? observed.at;
        deadNow.set(key, firstSeen);
        // Refined in place: the snapshot is this pass's own, made for it alone.
        pane.deadAt = deathTime(pane.deadAt, firstSeen);
        if (this.seen.has(key)) continue;
        const target = observedTarget(s, { stamp: pane.stamp! });
        const why = describeExit(pane);
        // diedAt: the time backoff counts from (the event itself is written after the look that saw it).
        const diedAt = new Date(pane.deadAt).toISOString();
        this.events.record({ event: 'exit', session: target, reason: why, ...exitFields(pane), diedAt }, 'warn');
        // The marker writer never throws (host/files.ts); a failed write is told, never fatal to the pass.
        // Not awaited: on a host it is posted ahead of the pass's next call, which comes right after.
        const unwritten = () => this.events.record({ event: 'log-error', session: target, reason: 'cannot write the exit marker' }, 'warn');
        void this.files
          .appendMarkers(this.logDir, [{ session: target, text: why }], Date.now())
          .then((failed) => failed.length > 0 && unwritten())
          .catch(unwritten);
      }
    }
    this.seen = deadNow;
    return observed;
  }
}

/**
 * tmux keeps a pane's death time in whole seconds, which would make a 1 s backoff anything from 0
 * to 1 s. Watch usually sees a death within milliseconds (hook, /proc poll), so its first sight is
 * the better time when it falls within tmux's second; seen later (watch started after the death),
 * the end of that second, so that a backoff is never cut short. A death tmux has not timed at all
 * (its SIGCHLD was lost) is timed by the first sight alone.
 */
export function deathTime(tmuxDeadAt: number | undefined, firstSeen: number): number {
  if (tmuxDeadAt === undefined) return firstSeen;
  return Math.max(tmuxDeadAt, Math.min(firstSeen, tmuxDeadAt + 999));
}
