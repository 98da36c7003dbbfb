import { setTimer } from './timers.js';

/**
 * The timed re-look of controller-runtime's `RequeueAfter`: when a dead session waits out its
 * backoff, one timer wakes the loop when the restart is due. A pass that plans a new time replaces
 * it; a pass that fails leaves it as it was, so a failure never cancels a due restart.
 */
export class Requeue {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onDue: () => void) {}

  /** Wake the loop in `ms` (undefined: nothing is due). */
  set(ms: number | undefined): void {
    this.clear();
    if (ms === undefined) return;
    // A few ms late rather than early: a pass that runs a hair before the due time plans nothing.
    this.timer = setTimer(() => {
      this.timer = undefined;
      this.onDue();
    }, ms + 5);
    this.timer.unref(); // a due restart is no reason to outlive a stop
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
