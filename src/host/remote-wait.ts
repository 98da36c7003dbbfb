import type { TmuxResult } from '../tmux/client.js';
import type { KeptShell } from './remote-shell.js';
import { remoteCommand } from './ssh/remote-words.js';

/** After a wait's own time there, how long its answer may take to come back before the shell is given up on. */
const WAIT_ANSWER_GRACE_MS = 5000;
/** `timeout -s KILL`'s status when it ended the command. */
const KILLED_BY_TIMEOUT = 137;

/**
 * One `wait-for` in the host's waits shell. It ends there at its time (coreutils `timeout`, whole
 * seconds), so the shell is kept for the next wait; `signal` ends the shell (the wait there then
 * ends at its time too).
 */
export async function waitThere(waits: KeptShell, argv: readonly string[], timeoutMs: number, signal: AbortSignal | undefined): Promise<TmuxResult> {
  const aborted = { stdout: '', stderr: '', code: 130 };
  if (signal?.aborted) return aborted;
  const stop = () => waits.close();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const command = remoteCommand(['timeout', '-s', 'KILL', String(seconds), 'tmux', ...argv]);
    const r = await waits.run({ command, timeoutMs: seconds * 1000 + WAIT_ANSWER_GRACE_MS });
    if (r.kind === 'timed-out') return { stdout: '', stderr: '', code: 124, timedOut: true };
    const result = { stdout: r.stdout, stderr: r.stderr, code: r.code };
    return r.code === KILLED_BY_TIMEOUT ? { ...result, timedOut: true } : result;
  } catch (e) {
    if (signal?.aborted) return aborted;
    throw e;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
