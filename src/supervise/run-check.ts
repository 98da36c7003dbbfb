import { spawn } from 'node:child_process';
import { signalOwnGroup } from '../process/signal.js';

export interface CheckResult {
  ok: boolean;
  /** For people: `exit status 7`, `timed out after 5s`, `cannot run: ENOENT`. */
  detail: string;
}

/**
 * Runs a health-check command in its own process group and kills the whole group on timeout, so a
 * `sh -c 'curl ...'` cannot leave its curl behind. Output is discarded: only the exit status counts.
 */
export function runCheck(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: 'ignore', detached: true });
    let done = false;
    const finish = (r: CheckResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      signalOwnGroup(child.pid!, 'SIGKILL'); // the whole group: a `sh -c 'curl ...'` leaves no curl behind
      finish({ ok: false, detail: `timed out after ${timeoutMs / 1000}s` });
    }, timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, detail: `cannot run: ${e.code ?? e.message}` }));
    child.on('exit', (code, signal) =>
      finish(code === 0 ? { ok: true, detail: 'exit status 0' } : { ok: false, detail: signal ? `killed by ${signal}` : `exit status ${code}` }),
    );
  });
}
