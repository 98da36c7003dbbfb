import type { TmuxResult } from '../tmux/client.js';
import { HELLO_ANSWER_MAX_AGE_MS } from './host-hello.js';

/**
 * Where a look taken ahead of its calls came from:
 * - `hello`: the connect's script (a command's first look);
 * - `look`: a pass's lookAhead (the listing, then the folder test, in one request);
 * - `wake`: taken by the host itself the moment watch's `wait-for` returned (remote-wait.ts), so the
 *   pass that wake-up starts asks nothing before it plans.
 */
export type LookSource = 'hello' | 'look' | 'wake';

/** A look taken ahead: the answer to one tmux call and to one folder test, each given once. */
export interface Look {
  tmuxArgs: readonly string[];
  result: TmuxResult;
  dirs: readonly string[] | undefined;
  missing: Set<string> | undefined;
}

/** What was true when a wait (and so its wake-up look) was sent. */
export interface WaitStart {
  sent: number;
  busy: boolean;
  lockEpoch: number;
}

/**
 * The looks of one host taken ahead of the calls that want them, and the bookkeeping that says when
 * such a look may stand for a fresh one.
 *
 * A wake-up's look is taken on the host beside the kept shell, at a moment we do not know. It is
 * kept only when it cannot miss anything of ours: no request of ours ran in the kept shell from
 * the moment its wait was sent to the moment its answer came (so every change of ours was done
 * before it, or none was made), and the host's lock stayed ours all along (lockChanged: nobody else
 * acted in between). It is dropped as soon as anything else is sent in the kept shell before the
 * pass takes it, and given once, while young.
 */
export class LookAnswers {
  private tmux: { key: string; result: TmuxResult } | undefined;
  private dirs: { key: string; missing: Set<string> } | undefined;
  private source: LookSource = 'hello';
  private at = 0;
  /** Requests sent in the kept shell so far, and those under way. */
  private sent = 0;
  private busy = 0;
  private lockEpoch = 0;

  constructor(private readonly maxAgeMs = HELLO_ANSWER_MAX_AGE_MS) {}

  store(source: LookSource, look: Look, now = Date.now()): void {
    this.tmux = { key: JSON.stringify(look.tmuxArgs), result: look.result };
    this.dirs = look.dirs && look.missing ? { key: JSON.stringify(look.dirs), missing: look.missing } : undefined;
    this.source = source;
    this.at = now;
  }

  /** A request goes into the kept shell: a wake-up's look taken before it may not show its effect. */
  requestSent(): () => void {
    this.sent++;
    this.busy++;
    if (this.source === 'wake' && this.tmux) this.forget();
    return () => {
      this.busy--;
    };
  }

  /** Taken when a wait is sent; the wake-up's look is kept only if nothing happened since (offerWake). */
  waitStarted(): WaitStart {
    return { sent: this.sent, busy: this.busy > 0, lockEpoch: this.lockEpoch };
  }

  /** A wake-up's look came back: kept when nothing of ours ran since its wait was sent, and the lock stayed ours. */
  offerWake(since: WaitStart, look: Look, now = Date.now()): boolean {
    if (since.busy || this.busy > 0 || since.sent !== this.sent || since.lockEpoch !== this.lockEpoch) return false;
    this.store('wake', look, now);
    return true;
  }

  /** The host's lock was taken or let go: a wake-up's look taken before may have missed what someone else did. */
  lockChanged(): void {
    this.lockEpoch++;
    if (this.source === 'wake') this.forget();
  }

  /** Drops what the connect fetched and what earlier looks stored; a wake-up's look stays (see lockChanged). */
  forgetHello(): void {
    if (this.source !== 'wake') this.forget();
  }

  /** Whether this very look is held, young: lookAhead then asks nothing. */
  holds(tmuxArgs: readonly string[], dirs: readonly string[] | undefined): boolean {
    return this.usable() && this.tmux?.key === JSON.stringify(tmuxArgs) && this.dirs?.key === JSON.stringify(dirs);
  }

  /** The answer to this tmux call, given once; undefined: run it. */
  takeTmux(args: readonly string[]): TmuxResult | undefined {
    const a = this.tmux;
    if (!a || a.key !== JSON.stringify(args)) {
      // A look of tmux taken after the folders were: their answer would be older than what tmux shows.
      this.dirs = undefined;
      return undefined;
    }
    this.tmux = undefined;
    return this.usable() ? a.result : undefined;
  }

  /** The answer to this folder test, given once; undefined: ask. */
  takeDirs(paths: readonly string[]): Set<string> | undefined {
    const a = this.dirs;
    if (!a || a.key !== JSON.stringify(paths)) return undefined;
    this.dirs = undefined;
    return this.usable() ? new Set(a.missing) : undefined;
  }

  /** Young enough (a wake-up's look is also dropped by the first request sent after it: requestSent). */
  private usable(): boolean {
    return Date.now() - this.at <= this.maxAgeMs;
  }

  private forget(): void {
    this.tmux = undefined;
    this.dirs = undefined;
  }
}
