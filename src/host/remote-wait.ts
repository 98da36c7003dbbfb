import type { TmuxResult } from '../tmux/client.js';
import type { KeptShell } from './remote-shell.js';
import { remoteCommand } from './ssh/remote-words.js';

/** After a wait's own time there, how long its answer may take to come back before the shell is given up on. */
const WAIT_ANSWER_GRACE_MS = 5000;
/** `timeout -s KILL`'s status when it ended the command. */
const KILLED_BY_TIMEOUT = 137;

/** A look the host takes the moment the wait returns (host-hello.ts's lookScript), and who gets what it printed. */
export interface LookOnWake {
  script: string;
  onLook(out: string): void;
}

/**
 * One `wait-for` in the host's waits shell. It ends there at its time (coreutils `timeout`, whole
 * seconds), so the shell is kept for the next wait; `signal` ends the shell (the wait there then
 * ends at its time too). With `look`, a wait that returns is followed at once, in the same request,
 * by that look: the pass the wake-up starts may then plan without asking again (look-answers.ts).
 */
export async function waitThere(
  waits: KeptShell,
  argv: readonly string[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
  look?: LookOnWake,
): Promise<TmuxResult> {
  const aborted = { stdout: '', stderr: '', code: 130 };
  if (signal?.aborted) return aborted;
  const stop = () => waits.close();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const wait = remoteCommand(['timeout', '-s', 'KILL', String(seconds), 'tmux', ...argv]);
    const timing = { timeoutMs: seconds * 1000 + WAIT_ANSWER_GRACE_MS };
    // The look only after a wait that returned: its output is then the request's whole stdout.
    const r = look
      ? await waits.run({ command: 'sh -s', input: `${wait} >/dev/null\nc=$?\n[ "$c" -eq 0 ] || exit "$c"\n${look.script}`, ...timing })
      : await waits.run({ command: wait, ...timing });
    if (r.kind === 'timed-out') return { stdout: '', stderr: '', code: 124, timedOut: true };
    if (r.code === KILLED_BY_TIMEOUT) return { stdout: '', stderr: r.stderr, code: r.code, timedOut: true };
    if (look && r.code === 0) {
      look.onLook(r.stdout);
      return { stdout: '', stderr: r.stderr, code: 0 };
    }
    return { stdout: r.stdout, stderr: r.stderr, code: r.code };
  } catch (e) {
    if (signal?.aborted) return aborted;
    throw e;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
