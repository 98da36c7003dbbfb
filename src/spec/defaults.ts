import type { Backoff, RestartPolicy, UpdateStrategy } from './types.js';

/**
 * What a pane gets for a setting that neither it, its window nor its session declares. Applied
 * after inheritance, never by the schema: a schema default on a window would hide its session's value.
 */
export const DEFAULTS = {
  restart: 'always' as RestartPolicy,
  update: 'restart' as UpdateStrategy,
  startSeconds: 1,
  stopTimeoutSeconds: 10,
  backoff: { initialSeconds: 1, maxSeconds: 300, resetAfterSeconds: 600 } as Readonly<Backoff>,
  healthCheck: { intervalSeconds: 30, timeoutSeconds: 5 },
  /**
   * When `shell` is nowhere declared and the password database has none; and always on a remote
   * host, whose login shell this machine does not know (every POSIX host has /bin/sh).
   */
  shell: '/bin/sh',
  /** A remote session's folder when no level declares `cwd`: the remote user's home (the spec file's folder is on this machine). */
  remoteCwd: '~',
} as const;

/** A declared `backoff` with its missing fields filled in (a backoff block is inherited whole). */
export function fillBackoff(raw: Partial<Backoff>): Backoff {
  return {
    initialSeconds: raw.initialSeconds ?? DEFAULTS.backoff.initialSeconds,
    maxSeconds: raw.maxSeconds ?? DEFAULTS.backoff.maxSeconds,
    resetAfterSeconds: raw.resetAfterSeconds ?? DEFAULTS.backoff.resetAfterSeconds,
  };
}
