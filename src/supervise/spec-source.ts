import { formatProblem } from '../errors.js';
import type { EventLog } from '../log/events.js';
import type { LoadResult } from '../spec/load.js';
import { type DesiredState, panesOf } from '../spec/types.js';
import { fingerprintSpecs } from './spec-fingerprint.js';
import { setTimer } from './timers.js';

/**
 * A spec file that vanished is pruned only if it is still gone this long after it was first missed:
 * editors and deploys replace files by delete-then-write, and a session killed and recreated for a
 * 300 ms gap loses its restart count and its process.
 */
export const REMOVAL_CONFIRM_MS = 1000;

export interface SpecSourceOptions {
  initial: DesiredState;
  load: () => Promise<LoadResult>;
  events: EventLog;
  /** Asks for a pass at the end of a removal's confirmation window. */
  recheck: () => void;
  now?: () => number;
}

/**
 * The desired state watch works from, kept current. Reloads when a file event said so (markDirty)
 * and also whenever the fingerprint of the spec and env files differs from the one taken before the
 * last load, so that no missed event leaves stale specs in force. An invalid edit is reported once
 * (and again when its problems change) and the last valid specs stay.
 */
export class SpecSource {
  private current: DesiredState;
  private loadedFingerprint: string | undefined;
  private dirty = true;
  /**
   * The problems of the last load, when it failed. While set, every refresh loads again: the fix may
   * be a file neither the fingerprint nor the file watcher covers (an env file that only the invalid
   * specs name, created afterwards). Problems are reported when they change, not on every load.
   */
  private invalid: string | undefined;
  /** Spec files missing since (first missed at), while their removal is being confirmed. */
  private missing: { files: string; since: number } | undefined;
  private recheckTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: SpecSourceOptions) {
    this.current = opts.initial;
    this.now = opts.now ?? Date.now;
  }

  get desired(): DesiredState {
    return this.current;
  }

  /** A file event: read the specs again on the next pass. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Called at the start of each pass; returns whether the desired state changed. */
  async refresh(): Promise<boolean> {
    // Taken before reading: an edit made during the load shows as a difference next time.
    const fingerprint = await fingerprintSpecs(this.current.roots, envFilesOf(this.current));
    if (!this.dirty && this.invalid === undefined && fingerprint === this.loadedFingerprint) return false;
    this.dirty = false;
    this.loadedFingerprint = fingerprint;
    const result = await this.opts.load();
    if (!result.ok) {
      this.missing = undefined;
      const problems = result.problems.map(formatProblem);
      if (problems.join('\n') !== this.invalid) {
        for (const p of problems) this.opts.events.record({ event: 'invalid-spec', reason: p }, 'error');
        this.opts.events.record({ event: 'invalid-spec', reason: 'keeping the last valid specs; nothing changed' }, 'warn');
      }
      this.invalid = problems.join('\n');
      return false;
    }
    this.invalid = undefined;
    const gone = this.current.files.filter((f) => !result.desired.files.includes(f));
    if (gone.length > 0 && !this.removalConfirmed(gone.join('\n'))) return false;
    this.missing = undefined;
    this.stop(); // no second look pending any more
    this.current = result.desired;
    this.opts.events.record({ event: 'specs-loaded', reason: `${result.desired.sessions.length} sessions` });
    return true;
  }

  stop(): void {
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
  }

  /** First sight of a removal starts its confirmation window; a later look after it confirms. */
  private removalConfirmed(files: string): boolean {
    const now = this.now();
    if (this.missing?.files !== files) {
      this.missing = { files, since: now };
      this.opts.events.record(
        { event: 'spec-missing', reason: `${files.split('\n').join(', ')}: pruned if still missing in ${REMOVAL_CONFIRM_MS} ms` },
        'debug',
      );
    }
    const left = this.missing.since + REMOVAL_CONFIRM_MS - now;
    if (left <= 0) return true;
    this.dirty = true; // look again, whatever the fingerprint says then
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = setTimer(() => {
      this.recheckTimer = undefined;
      this.opts.recheck();
    }, left);
    this.recheckTimer.unref();
    return false;
  }
}

export function envFilesOf(d: DesiredState): string[] {
  // The notify channels' env files too: a rotated token reaches watch without a spec edit.
  return [...new Set(d.sessions.flatMap((s) => [...panesOf(s).flatMap((p) => p.envFiles), ...(s.notifyEnvFiles ?? [])]))];
}
