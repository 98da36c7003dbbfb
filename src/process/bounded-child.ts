import { type ChildProcess, spawn } from 'node:child_process';
import { signalChild } from './signal.js';

/**
 * Runs one short-lived child to its end, whatever it does: the one spawner behind every tmux client
 * (tmux/client.ts, locally or launched over ssh) and every ssh call (host/ssh/ssh-run.ts). Nothing
 * here can wait for ever: past `timeoutMs` the child is killed; after it exits, its pipes are let go
 * within DRAIN_MS even when something it left behind holds them (a forked ssh master, a daemon);
 * an abort sends SIGTERM and ends the run at the child's exit. Always resolves; the caller turns
 * the end into its result or its error.
 */

/**
 * After the child exits, how long its pipes may stay open: what it wrote is in them by then. tmux
 * hands its client's stdin/stdout to the server, so a stopped or hung server can keep them open for
 * ever after the client is gone; a forked ssh master can keep ssh's.
 */
export const DRAIN_MS = 1000;

export interface BoundedChildOptions {
  env?: NodeJS.ProcessEnv;
  /** Fed on stdin, which is then closed. Unset: stdin is /dev/null, never a terminal or an inherited pipe. */
  input?: string;
  /** Past it the child is killed (SIGKILL) and the run ends `timed-out`. */
  timeoutMs: number;
  /** Ends the run early: SIGTERM to the child; the run ends `exited`, `aborted`, at its exit. */
  signal?: AbortSignal;
  /** Told the child when it is spawned (`true`) and when it is let go (`false`): for a caller that keeps its children. */
  track?(child: ChildProcess, running: boolean): void;
}

export type BoundedChildEnd =
  | { kind: 'exited'; code: number; stdout: string; stderr: string; aborted: boolean }
  | { kind: 'timed-out'; stdout: string; stderr: string; exitCode: number | undefined }
  | { kind: 'failed'; error: NodeJS.ErrnoException };

export function runBoundedChild(file: string, args: readonly string[], opts: BoundedChildOptions): Promise<BoundedChildEnd> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      ...(opts.env && { env: opts.env }),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    opts.track?.(child, true);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    let exitCode: number | undefined;
    let drain: ReturnType<typeof setTimeout> | undefined;
    const text = (bufs: Buffer[]) => Buffer.concat(bufs).toString();
    const exited = (code: number): BoundedChildEnd => ({ kind: 'exited', code, stdout: text(out), stderr: text(err), aborted: opts.signal?.aborted ?? false });

    const onAbort = () => signalChild(child, 'SIGTERM');
    /** Every way out goes through here: timers cleared, the abort listener removed, pipes let go. */
    const settle = (end: BoundedChildEnd) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drain);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const s of [child.stdin, child.stdout, child.stderr]) s?.destroy();
      opts.track?.(child, false);
      resolve(end);
    };

    const timer = setTimeout(() => {
      if (exitCode === undefined) signalChild(child, 'SIGKILL');
      settle({ kind: 'timed-out', stdout: text(out), stderr: text(err), exitCode });
    }, opts.timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => settle({ kind: 'failed', error }));
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : 1);
      if (opts.signal?.aborted) settle(exited(exitCode));
      else drain = setTimeout(() => settle(exited(exitCode!)), DRAIN_MS);
    });
    child.on('close', (code, signal) => settle(exited(exitCode ?? code ?? (signal ? 128 : 1))));
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}); // the child may exit before reading it all; its exit code tells.
      child.stdin!.end(opts.input);
    }
  });
}
