import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'winston';

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
  /** Told once if the log cannot be written; the command itself carries on. */
  onError?: (message: string) => void;
}

/**
 * JSON lines in STATE_DIR/events.log plus, for watch, human lines on stderr. Each event is appended
 * to the file synchronously (on disk at once, whatever happens next), as one JSON object with sorted
 * keys plus `level`, `message` and an ISO `timestamp`: the lines winston's json format wrote. winston
 * itself, some 35 ms of module loading, is imported only for the console, that is by watch: an apply
 * that acts pays for no logging library, and a no-op run records nothing at all.
 */
export function openEventLog(opts: EventLogOptions): EventLog {
  const file = join(opts.stateDir, 'events.log');
  let dirMade = false;
  let failed = false;
  let logger: Promise<Logger> | undefined;
  // One chain, not a list: watch records events for as long as it runs.
  let shown: Promise<unknown> = Promise.resolve();
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    opts.onError?.(`cannot write the event log in ${opts.stateDir}: ${err instanceof Error ? err.message : String(err)}`);
  };
  return {
    record(e, level = 'info') {
      const entry = { ...e, level, message: e.event, timestamp: new Date().toISOString() };
      if (!failed) {
        try {
          if (!dirMade) mkdirSync(opts.stateDir, { recursive: true });
          dirMade = true;
          appendFileSync(file, stableJson(entry) + '\n');
        } catch (err) {
          fail(err);
        }
      }
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
