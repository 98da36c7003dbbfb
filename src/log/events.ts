import { join } from 'node:path';
import type { Logger } from 'winston';
import { LOG_CAP_BYTES } from '../session-log/files.js';
import { createLineAppender } from './append-line.js';

/** A structured event: what happened, to which session, why. Never carries env values. */
export interface TmuxctlEvent {
  event: string;
  session?: string;
  reason?: string;
  [key: string]: unknown;
}

export interface EventLog {
  record(e: TmuxctlEvent, level?: 'debug' | 'info' | 'warn' | 'error'): void;
  close(): Promise<void>;
}

export interface EventLogOptions {
  stateDir: string;
  /** Console threshold for human lines (stderr). */
  consoleLevel: string;
  /** Console output of events; off for commands that print their own report. */
  console: boolean;
  /** Rotation size; the default is the session logs' cap. */
  capBytes?: number;
  /** Told once per outage (the first line that cannot be written); the command itself carries on. */
  onError?: (message: string) => void;
}

/** events.log rotates to events.log.1 at this size, as session logs do: a crash loop cannot fill a disk. */
export const EVENT_LOG_CAP_BYTES = LOG_CAP_BYTES;

/**
 * JSON lines in STATE_DIR/events.log plus, for watch, human lines on stderr. Each event is appended
 * to the file synchronously (on disk at once, whatever happens next), as one JSON object with sorted
 * keys plus `level`, `message` and an ISO `timestamp`: the lines winston's json format writes.
 *
 * The file is written by hand (append-line.ts), not by winston's File transport: loading winston and
 * the transport costs about 75 ms of a 230 ms command (measured whole-process, medians), which every
 * apply that acts would pay; and the transport writes through an async stream that a full disk breaks
 * for good and an exiting apply can cut short. What it offers is kept: rotation at a size (maxsize),
 * one previous file kept (maxFiles 2). winston is imported only for the console, that is by watch.
 *
 * A write that fails (a full disk, a read-only or missing state dir) is told once per outage, not per
 * line; writing is tried again with every event, and the first one that succeeds after an outage is
 * preceded by an `event-log-resumed` entry saying how many events were lost.
 */
export function openEventLog(opts: EventLogOptions): EventLog {
  const append = createLineAppender(join(opts.stateDir, 'events.log'), { capBytes: opts.capBytes ?? EVENT_LOG_CAP_BYTES });
  let lost = 0; // events not written since the outage began; an outage is lost > 0
  let logger: Promise<Logger> | undefined;
  // One chain, not a list: watch records events for as long as it runs.
  let shown: Promise<unknown> = Promise.resolve();
  const write = (entry: Record<string, unknown>): boolean => {
    let text = stableJson(entry);
    if (lost > 0) {
      // In the same write as the entry: the outage is over only when an entry is on disk again.
      const resumed = { event: 'event-log-resumed', level: 'warn', lost, message: 'event-log-resumed', timestamp: entry.timestamp };
      text = `${stableJson(resumed)}\n${text}`;
    }
    const result = append(text);
    if (result.ok) {
      lost = 0;
      return true;
    }
    if (lost === 0) opts.onError?.(`cannot write the event log in ${opts.stateDir}: ${result.message}`);
    return false;
  };
  return {
    record(e, level = 'info') {
      const entry = { ...e, level, message: e.event, timestamp: new Date().toISOString() };
      if (!write(entry)) lost++;
      if (opts.console) {
        shown = shown
          .then(() => (logger ??= createConsole(opts)))
          .then((l) => l.log(entry))
          .catch(() => {}); // stderr gone: nothing better to tell it with
      }
    },
    async close() {
      await shown;
      if (!logger) return;
      const l = await logger;
      await new Promise<void>((resolve) => {
        l.on('finish', () => resolve());
        l.end();
      });
    },
  };
}

/** JSON with object keys sorted at every level, as winston's json format (safe-stable-stringify) writes it. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

async function createConsole(opts: EventLogOptions): Promise<Logger> {
  const winston = await import('winston');
  const { printf } = winston.format;
  return winston.createLogger({
    level: 'debug',
    transports: [
      new winston.transports.Console({
        level: opts.consoleLevel,
        stderrLevels: ['error', 'warn', 'info', 'debug'],
        format: printf(humanLine),
      }),
    ],
  });
}

function humanLine(info: Record<string, unknown>): string {
  const { level, message, timestamp, session, reason, event: _e, ...rest } = info;
  const extras = Object.entries(rest)
    .filter(([k]) => typeof k === 'string' && !k.startsWith('Symbol'))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const who = session ? ` ${String(session)}` : '';
  const why = reason ? ` (${String(reason)})` : '';
  return `${String(timestamp)} ${String(level)} ${String(message)}${who}${why}${extras.length ? ' ' + extras.join(' ') : ''}`;
}
