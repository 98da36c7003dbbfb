import { closeSync, readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readProc } from '../process/table.js';
import { openPrivateFile } from '../state/dirs.js';

/**
 * Requests to the process that keeps a lock between passes (watch, kept-lock.ts) to hand it over.
 * One empty file per waiting acquire, next to the lock:
 *
 *     <lock>.wanted.<pid>.<start time>.<deadline>.<n>
 *
 * Everything the keeper needs to judge a request is in its name, so a request appears whole (one
 * create, nothing to read half-written) and is judged with one readdir plus one read of
 * /proc/<pid>/stat. One file per waiter rather than one shared file: the first waiter to get the
 * lock would otherwise remove the request of the next, which then waited out its whole timeout
 * behind a keeper that had never been asked.
 *
 * A request outlives its requester only when that one is killed -9 (or stopped): the keeper then
 * drops it (see isStale), so a dead requester cannot make it hand over on every pass for ever.
 */
export interface LockRequest {
  /** Removes the request (idempotent); done once the requester holds the lock or gave up. */
  withdraw(): void;
}

/** Past its deadline a live requester has given up waiting (or is stopped): slack for slow clocks. */
const DEADLINE_GRACE_MS = 2000;

let filed = 0;

/** Files a request for `lockPath` by this process, which waits at most `timeoutSeconds` for it. */
export function fileRequest(lockPath: string, timeoutSeconds: number): LockRequest {
  const deadline = nowMs() + Math.ceil(timeoutSeconds * 1000);
  const file = `${lockPath}${MARK}${process.pid}.${ownStartTime()}.${deadline}.${filed++}`;
  closeSync(openPrivateFile(file)); // 0600 in the 0700 locks folder, like the lock itself
  let present = true;
  return {
    withdraw() {
      if (!present) return;
      present = false;
      removeQuietly(file);
    },
  };
}

/**
 * The requests for `lockPath` that someone alive is waiting on (their file names). Stale requests
 * found on the way are removed. Costs one readdir of the locks folder (a few entries), no process.
 */
export function liveRequests(lockPath: string): string[] {
  const dir = dirname(lockPath);
  const prefix = basename(lockPath) + MARK;
  const live: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const request = parseRequest(name.slice(prefix.length));
    if (!request) continue; // not a request this version understands: neither honoured nor removed
    if (isStale(request)) removeQuietly(join(dir, name));
    else live.push(name);
  }
  return live;
}

const MARK = '.wanted.';

interface ParsedRequest {
  pid: number;
  /** The requester's start time (clock ticks since boot, /proc/<pid>/stat); 0 when it could not tell. */
  startTime: number;
  /** Monotonic milliseconds (since boot, the same clock in every process) after which it waits no more. */
  deadline: number;
}

function parseRequest(rest: string): ParsedRequest | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(rest);
  if (!m) return undefined;
  return { pid: Number(m[1]), startTime: Number(m[2]), deadline: Number(m[3]) };
}

/**
 * A request nobody waits on any more: its requester is gone (no such process, a zombie, or its pid
 * now names another process: the start time differs), or its wait is long over (the requester timed
 * out, then was stopped or hung before it could withdraw).
 */
function isStale(r: ParsedRequest): boolean {
  if (nowMs() > r.deadline + DEADLINE_GRACE_MS) return true;
  if (r.startTime === 0 || !procReadable()) return false; // no /proc: the deadline alone decides
  const p = readProc(r.pid);
  return p === undefined || p.state === 'Z' || p.state === 'X' || p.startTime !== r.startTime;
}

/** CLOCK_MONOTONIC in ms: comparable across processes, and blind to changes of the wall clock. */
export function nowMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

let ownStart: number | undefined;
function ownStartTime(): number {
  ownStart ??= readProc(process.pid)?.startTime ?? 0;
  return ownStart;
}

/** Without /proc every process would look dead and no request would ever be honoured. */
function procReadable(): boolean {
  return ownStartTime() !== 0;
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone (withdrawn, or removed by the keeper): nothing to do.
  }
}
