import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { HostUnreachableError, LockError } from '../errors.js';
import { signalChild } from '../process/signal.js';
import type { HeldLock } from '../apply/lock.js';
import { shQuote } from '../tmux/quote.js';
import type { SshConnection } from './ssh/ssh-connection.js';
import { sshCommand } from './ssh/ssh-args.js';
import { lastLine, SSH_FAILED } from './ssh/ssh-run.js';

/** flock's exit status when the wait ran out (-E). */
const BUSY_EXIT = 75;
/** What the holder prints once it has the lock. */
const HELD = 'tmuxctl-lock-held';

/**
 * The reconcile lock of a tmux server on a host, taken on that host (in its state dir), so two
 * people applying the same folder from two machines take turns. `flock` holds it for as long as
 * `cat` waits on its stdin, which is our ssh's stdin: releasing ends that input, and dying in any
 * way (this process, the ssh, the link) ends it too, so the lock can never outlive its holder.
 */
export async function takeRemoteLock(conn: SshConnection, lockFile: string, timeoutSeconds: number, connectMs: number): Promise<HeldLock> {
  await conn.connect(connectMs);
  const script = `umask 077; mkdir -p -- ${shQuote(dirname(lockFile))} && exec flock -x -w ${Math.max(0, Math.round(timeoutSeconds))} -E ${BUSY_EXIT} ${shQuote(lockFile)} sh -c 'echo ${HELD}; exec cat >/dev/null'`;
  const cmd = sshCommand(conn.target, ['sh', '-c', script]);
  const child = spawn(cmd.file, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {});
  const name = conn.target.name;
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let err = '';
    // The wait itself plus the round trips: past this the host is not answering.
    const timer = setTimeout(
      () => {
        signalChild(child, 'SIGKILL');
        reject(new HostUnreachableError(name, `no answer over ssh while taking the lock within ${timeoutSeconds + connectMs / 1000} s`));
      },
      timeoutSeconds * 1000 + connectMs,
    );
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes(HELD)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new HostUnreachableError(name, `cannot run ssh: ${e.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === BUSY_EXIT)
        reject(new LockError(`${name}: lock ${lockFile} not obtained within ${timeoutSeconds}s: another tmuxctl is reconciling this tmux server`));
      else if (code === SSH_FAILED) reject(new HostUnreachableError(name, lastLine(err) ?? 'ssh failed'));
      else reject(new LockError(`${name}: cannot take lock ${lockFile}: ${lastLine(err) ?? `exit status ${code}`}`));
    });
  });
  return {
    async release() {
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.end();
      // flock lets go as soon as cat sees the end of its input; the ssh client then exits on its own.
      child.unref();
    },
  };
}
