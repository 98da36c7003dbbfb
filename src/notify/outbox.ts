import type { Delivery } from './fold.js';
import { redact } from './redact.js';
import { NotifyError, type Transport } from './send.js';

/** Timers, injectable so unit tests run retries and timeouts on fake time. */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface OutboxOptions {
  send: Transport;
  /**
   * What the message carries that is read only when it is sent (the pane's last output, over SSH for
   * a host's pane): each delivery waits for its own, so a slow read delays nothing else. It must
   * settle in bounded time; one that throws leaves the message as it was.
   */
  prepare?: (d: Delivery) => Delivery | Promise<Delivery>;
  /** Told after each try: `ok`, or why it failed and whether it will be tried again. */
  onResult: (d: Delivery, result: { ok: true; tries: number } | { ok: false; reason: string; tries: number; final: boolean }) => void;
  clock?: Clock;
  /** One try's limit (the issue: 10 s). */
  timeoutMs?: number;
  tries?: number;
  /** The wait before the second try; doubled before each next one. */
  firstRetryMs?: number;
  /** Deliveries held at once; beyond it a new one is dropped (and told), so a dead endpoint cannot grow memory. */
  maxPending?: number;
  onDropped?: (d: Delivery) => void;
}

export const SEND_TIMEOUT_MS = 10_000;
export const SEND_TRIES = 3;
export const FIRST_RETRY_MS = 2_000;
export const MAX_PENDING = 100;

/**
 * Delivery off the reconcile path: `enqueue` returns at once and never throws; each delivery is its
 * own task, so a channel that hangs delays nothing but itself (not another channel, not another
 * session's restart, not a pass). A try ends after `timeoutMs` whether or not the transport heeds
 * its abort signal; a failed try is retried after a growing delay, at most `tries` times in all.
 */
export class Outbox {
  private readonly running = new Set<Promise<void>>();
  /** The tries under way, so that a drain that runs out can end them (a command channel's process group with them). */
  private readonly trying = new Set<AbortController>();
  private readonly clock: Clock;
  private stopped = false;

  constructor(private readonly opts: OutboxOptions) {
    this.clock = opts.clock ?? realClock;
  }

  enqueue(d: Delivery): void {
    if (this.stopped) return;
    if (this.running.size >= (this.opts.maxPending ?? MAX_PENDING)) {
      this.opts.onDropped?.(d);
      return;
    }
    const task: Promise<void> = this.wait(0)
      .then(() => this.deliver(d))
      .catch(() => {}) // deliver reports its own failures; a reporter that throws must not surface
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** Deliveries not yet settled. */
  get pending(): number {
    return this.running.size;
  }

  /** Waits for what is queued, at most `ms`; true when all of it settled. Later retries are dropped. */
  async drain(ms: number): Promise<boolean> {
    let timer: unknown;
    const timeout = new Promise<false>((resolve) => (timer = this.clock.setTimeout(() => resolve(false), ms)));
    const all = Promise.all([...this.running]).then(() => true);
    const settled = await Promise.race([all, timeout]);
    this.clock.clearTimeout(timer);
    this.stopped = true;
    // What is still under way is ended now, not left to its own timeout: the caller is about to exit,
    // and a `command` channel that never ends would outlive it (its own process group, nobody to kill it).
    for (const c of this.trying) c.abort();
    return settled;
  }

  private async deliver(d0: Delivery): Promise<void> {
    const d = this.opts.prepare
      ? await Promise.resolve(d0)
          .then(this.opts.prepare)
          .catch(() => d0)
      : d0;
    // Drained while it was being prepared: nothing is started after the drain (a command channel
    // started now would outlive the tmuxctl that sends it).
    if (this.stopped) {
      this.opts.onResult(d, { ok: false, reason: 'not sent: tmuxctl is stopping', tries: 0, final: true });
      return;
    }
    const tries = this.opts.tries ?? SEND_TRIES;
    let delay = this.opts.firstRetryMs ?? FIRST_RETRY_MS;
    for (let n = 1; n <= tries; n++) {
      const failure = await this.tryOnce(d);
      if (failure === undefined) {
        this.opts.onResult(d, { ok: true, tries: n });
        return;
      }
      const final = n === tries || this.stopped;
      this.opts.onResult(d, { ok: false, reason: redact(failure, d.channel.secrets), tries: n, final });
      if (final) return;
      // The wait for a retry never keeps a finished command alive (drain's own timer does, bounded).
      await this.wait(delay, { unref: true });
      if (this.stopped) {
        this.opts.onResult(d, { ok: false, reason: 'not tried again: tmuxctl is stopping', tries: n, final: true });
        return;
      }
      delay *= 2;
    }
  }

  /** One send, bounded by the timeout; undefined when delivered, else why not (no secret in it). */
  private async tryOnce(d: Delivery): Promise<string | undefined> {
    const timeoutMs = this.opts.timeoutMs ?? SEND_TIMEOUT_MS;
    const controller = new AbortController();
    this.trying.add(controller);
    let timer: unknown;
    const timedOut = new Promise<string>((resolve) => {
      timer = this.clock.setTimeout(() => {
        controller.abort();
        resolve(`timed out after ${timeoutMs / 1000}s`);
      }, timeoutMs);
    });
    try {
      const sent = this.opts.send(d.channel, d.notification, controller.signal).then(
        () => undefined,
        (e: unknown) =>
          controller.signal.aborted
            ? `timed out after ${timeoutMs / 1000}s`
            : e instanceof NotifyError
              ? e.message
              : `failed (${e instanceof Error ? e.name : typeof e})`,
      );
      return await Promise.race([sent, timedOut]);
    } finally {
      this.clock.clearTimeout(timer);
      this.trying.delete(controller);
    }
  }

  private wait(ms: number, o: { unref?: boolean } = {}): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.clock.setTimeout(resolve, ms);
      if (o.unref) (handle as { unref?: () => void } | undefined)?.unref?.();
    });
  }
}
