import type { EventLog, TmuxctlEvent } from '../log/events.js';

/**
 * Events that describe a standing condition rather than something that happened: a declared name
 * held by a session tmuxctl does not own is planned as a `conflict` on every pass for as long as it
 * lasts, and so is a change that its pane's `update` strategy holds back (`waiting`). Watch reports such a condition once, and again only when it changes (a new reason, or it
 * went away and came back); a pass that merely sees it again writes nothing.
 */
const CONDITIONS = new Set(['conflict', 'waiting']);

export interface RepeatFilter {
  /** The event log to hand to one pass: conditions already reported by the pass before are dropped. */
  readonly events: EventLog;
  /** Call at the start of each pass: what the previous pass reported is what is "already known". */
  nextPass(): void;
}

export function quietRepeats(inner: EventLog): RepeatFilter {
  let known = new Set<string>();
  let current = new Set<string>();
  const key = (e: TmuxctlEvent) => JSON.stringify([e.event, e.session ?? '', e.reason ?? '']);
  return {
    events: {
      record(e, level) {
        if (CONDITIONS.has(e.event)) {
          const k = key(e);
          current.add(k);
          if (known.has(k)) return;
        }
        inner.record(e, level);
      },
      close: () => inner.close(),
    },
    nextPass() {
      known = current;
      current = new Set();
    },
  };
}
