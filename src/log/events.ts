import { mkdirSync } from 'node:fs';
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
 * JSON lines in STATE_DIR/events.log plus human lines on stderr. winston is imported on first use:
 * a no-op run records nothing and so never pays for loading it.
 */
export function openEventLog(opts: EventLogOptions): EventLog {
  let logger: Promise<Logger> | undefined;
  // One chain, not a list: watch records events for as long as it runs.
  let written: Promise<unknown> = Promise.resolve();
  let failed = false;
  const get = () => (logger ??= createLogger(opts));
  return {
    record(e, level = 'info') {
      written = written
        .then(() => get())
        .then((l) => l.log({ level, message: e.event, ...e }))
        .catch((err: unknown) => {
          if (failed) return;
          failed = true;
          opts.onError?.(`cannot write the event log in ${opts.stateDir}: ${err instanceof Error ? err.message : String(err)}`);
        });
    },
    async close() {
      await written;
      if (!logger || failed) return;
      const l = await logger;
      await new Promise<void>((resolve) => {
        l.on('finish', () => resolve());
        l.end();
      });
    },
  };
}

async function createLogger(opts: EventLogOptions): Promise<Logger> {
  const winston = await import('winston');
  mkdirSync(opts.stateDir, { recursive: true });
  const { combine, timestamp, json, printf } = winston.format;
  const transports: import('winston').transport[] = [
    new winston.transports.File({ filename: join(opts.stateDir, 'events.log'), level: 'debug', format: combine(timestamp(), json()) }),
  ];
  if (opts.console) {
    transports.push(
      new winston.transports.Console({
        level: opts.consoleLevel,
        stderrLevels: ['error', 'warn', 'info', 'debug'],
        format: combine(timestamp(), printf(humanLine)),
      }),
    );
  }
  return winston.createLogger({ level: 'debug', transports });
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
