import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ProcSample, UsageSample } from '../process/usage.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './dirs.js';

/**
 * The last /proc sample `status` took of the panes' process trees, kept in the state dir, so the
 * next `status` measures CPU since that look and needs not wait a second for a second sample
 * (`pm2 ls` is instant because its daemon keeps sampling; tmuxctl keeps no daemon). A sample older
 * than MAX_AGE_MS, or younger than MIN_AGE_MS (too short an interval to mean anything), is not used.
 */
export const MAX_AGE_MS = 10 * 60_000;
export const MIN_AGE_MS = 200;

export function cpuSampleFile(stateDir: string, logDir: string): string {
  // One per tmux server, named like its log folder (server-<id>).
  return join(stateDir, 'status', `${basename(logDir)}.json`);
}

/** The kept sample when it is usable at `now`; undefined otherwise (missing, unreadable, too old or too new). */
export function readCpuSample(file: string, now = Date.now()): UsageSample | undefined {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as UsageSample;
    const age = now - data.at;
    if (!Number.isFinite(age) || age < MIN_AGE_MS || age > MAX_AGE_MS || !Array.isArray(data.procs)) return undefined;
    return data;
  } catch {
    return undefined;
  }
}

/** Keeps the processes of the sample that `keep` selects (the panes' trees). Never throws: the next status then waits its second. */
export function writeCpuSample(file: string, sample: UsageSample, keep: readonly ProcSample[]): void {
  try {
    ensurePrivateDir(join(file, '..'));
    writeFileSync(file, JSON.stringify({ at: sample.at, procs: keep }), { mode: PRIVATE_FILE_MODE });
  } catch {
    // not kept: measured over a second next time
  }
}
