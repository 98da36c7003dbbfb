import { execa } from 'execa';
import { signalOwnGroup } from '../process/signal.js';
import { commandEnv, messageText, payload } from './format.js';
import type { Notification, NotifyChannel } from './types.js';

/**
 * Sends one message through one channel; settles when it is delivered, rejects with a NotifyError
 * (a message that names no secret) when it is not. `signal` aborts it (the outbox's timeout).
 */
export type Transport = (channel: NotifyChannel, n: Notification, signal: AbortSignal) => Promise<void>;

/** A delivery that failed, told in words that carry no secret (no url, no token, no header). */
export class NotifyError extends Error {}

/** The channels as they really are: HTTP with Node's own fetch, and programs run as argv. */
export function realTransport(env: NodeJS.ProcessEnv): Transport {
  return async (channel, n, signal) => {
    const t = channel.transport;
    switch (t.kind) {
      case 'telegram':
        // The token is part of the Bot API's path: in this process's memory only, never in argv.
        return post(`${t.apiBase}/bot${t.botToken}/sendMessage`, {}, { chat_id: t.chatId, text: messageText(n), disable_web_page_preview: true }, signal);
      case 'webhook':
        return post(t.url, t.headers, payload(n), signal);
      case 'command':
        return run(t.argv, { ...env, ...commandEnv(n) }, (n.lines ?? []).join('\n') + (n.lines?.length ? '\n' : ''), signal);
      default: {
        const never: never = t;
        throw new NotifyError(`unknown channel ${String(never)}`);
      }
    }
  };
}

async function post(url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
  } catch (e) {
    throw new NotifyError(fetchFailure(e, signal));
  }
  // The body is not read (it may echo what was sent), only released.
  await res.body?.cancel().catch(() => {});
  if (!res.ok) throw new NotifyError(`HTTP ${res.status}`);
}

/** Why a request failed, from the error's kind and code only: its message may quote the address. */
function fetchFailure(e: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timed out';
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return `cannot connect (${cause.code})`;
  // A short plain message (`bad port`) says more than nothing; anything longer may quote the address.
  if (typeof cause?.message === 'string' && /^[A-Za-z ]{1,40}$/.test(cause.message)) return `the request failed (${cause.message})`;
  return 'the request failed';
}

/**
 * Runs a `command` channel in its own process group, with the payload in its environment and the
 * output lines on stdin; the whole group is killed when the send is aborted, and whatever it left
 * behind when it ends (as health checks are, run-check.ts).
 */
async function run(argv: readonly string[], env: NodeJS.ProcessEnv, input: string, signal: AbortSignal): Promise<void> {
  const child = execa(argv[0]!, argv.slice(1), { env, extendEnv: false, input, stdout: 'ignore', stderr: 'ignore', detached: true, reject: false });
  const pgid = child.pid;
  const kill = () => {
    if (pgid !== undefined) signalOwnGroup(pgid, 'SIGKILL');
  };
  signal.addEventListener('abort', kill, { once: true });
  try {
    const r = await child;
    if (signal.aborted) throw new NotifyError('timed out');
    if (r.exitCode === 0) return;
    if (r.signal) throw new NotifyError(`killed by ${r.signal}`);
    if (r.exitCode !== undefined) throw new NotifyError(`exited with status ${r.exitCode}`);
    throw new NotifyError(`cannot run: ${(r.cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error'}`);
  } finally {
    signal.removeEventListener('abort', kill);
    kill();
  }
}
