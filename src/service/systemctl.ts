import { spawn } from 'node:child_process';
import { signalChild } from '../process/signal.js';

export interface SystemctlResult {
  code: number;
  stdout: string;
  stderr: string;
  /** No `systemctl` on PATH (or not runnable). */
  missing?: boolean;
  /** No answer within the timeout: the client was killed. */
  timedOut?: boolean;
  timeoutMs?: number;
}

/** Runs `systemctl --user ...`: found on PATH, so tests put a fake one first and the user's manager is never asked. */
export type Systemctl = (args: readonly string[]) => Promise<SystemctlResult>;

const TIMEOUT_MS = 20_000;

/** `TMUXCTL_SYSTEMCTL_TIMEOUT_MS` (tests), else 20 s: a user bus that never answers must not hang a command. */
export function systemctlTimeoutMs(env: Record<string, string | undefined>): number {
  const n = Number(env.TMUXCTL_SYSTEMCTL_TIMEOUT_MS);
  return Number.isInteger(n) && n > 0 ? n : TIMEOUT_MS;
}

export function systemctlRunner(env: Record<string, string | undefined>, timeoutMs = systemctlTimeoutMs(env)): Systemctl {
  return (args) =>
    new Promise((resolve) => {
      const child = spawn('systemctl', ['--user', ...args], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let settled = false;
      const settle = (r: SystemctlResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const text = () => ({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      // A bus that never answers must not hang install: kill the client and say so.
      const timer = setTimeout(() => {
        signalChild(child, 'SIGKILL');
        // Whatever it started may still hold the pipes: let go of them, or they keep this process alive.
        child.stdout.destroy();
        child.stderr.destroy();
        settle({ code: 124, ...text(), timedOut: true, timeoutMs });
      }, timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => settle({ code: 127, stdout: '', stderr: e.message, missing: true }));
      child.on('close', (code, signal) => settle({ code: code ?? (signal ? 128 : 1), ...text() }));
    });
}

/** One line saying why a systemctl call failed, for error messages. */
export function failureLine(args: readonly string[], r: SystemctlResult): string {
  const what = `systemctl --user ${args.join(' ')}`;
  if (r.missing) return `${what}: systemctl not found on PATH`;
  if (r.timedOut) return `${what}: no answer within ${(r.timeoutMs ?? TIMEOUT_MS) / 1000} s`;
  const first = r.stderr.trim().split('\n').filter(Boolean)[0];
  return `${what}: ${first ?? `exit status ${r.code}`}`;
}

/** Whether a user manager answers: `show --property=Version` needs the user bus and nothing else. */
export async function userManager(systemctl: Systemctl): Promise<{ ok: true } | { ok: false; why: string }> {
  const args = ['show', '--property=Version'];
  const r = await systemctl(args);
  return r.code === 0 ? { ok: true } : { ok: false, why: failureLine(args, r) };
}
