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
/** What a holder prints first, once flock has the lock. */
export const HELD = 'tmuxctl-lock-held';

export interface RemoteLockOptions {
  conn: SshConnection;
  lockFile: string;
  timeoutSeconds: number;
  connectMs: number;
}

/** The lock held on the host by one ssh: what its holder said, and how to let go. */
export interface RemoteHold {
  /** The holder's first line (it starts with HELD). */
  readonly heldLine: string;
  alive(): boolean;
  /** Lets go: ssh's stdin ends, the holder and flock exit on the host, and the ssh client on its own. */
  end(): void;
}

/**
 * Takes the reconcile lock of a host's tmux server on that host (in its state dir), so two people
 * applying the same folder from two machines take turns. `flock -o` runs `holder` (a sh script that
 * prints HELD first and then reads its stdin to its end) once it has the lock: the holder's stdin
 * is our ssh's, so releasing ends it, and dying in any way (this process, the ssh, the link) ends
 * it too, and the lock can never outlive its holder. `-o`: only flock holds the lock, not what the
 * holder leaves running. The lines the holder prints after the first go to `onLine`.
 *
 * The ssh holds one of the connection's session slots (ssh-connection.ts) for its life.
 */
export async function holdRemoteLock(opts: RemoteLockOptions, holder: string, onLine: (line: string) => void = () => {}): Promise<RemoteHold> {
  const { conn, lockFile, timeoutSeconds, connectMs } = opts;
  const name = conn.target.name;
  await conn.connect(connectMs);
  const wait = Math.max(0, Math.round(timeoutSeconds));
  const script = `umask 077; mkdir -p -- ${shQuote(dirname(lockFile))} && exec flock -o -x -w ${wait} -E ${BUSY_EXIT} ${shQuote(lockFile)} sh -c ${shQuote(holder)}`;
  const cmd = sshCommand(conn.target, ['sh', '-c', script]);
  let freeSlot = () => {};
  const lifetime = new Promise<void>((r) => (freeSlot = r));
  await new Promise<void>((inSlot) => {
    void conn.session(() => {
      inSlot();
      return lifetime;
    });
  });
  const child = spawn(cmd.file, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('close', () => freeSlot());
  child.stdin.on('error', () => {});
  let exited = false;
  let heldLine = '';
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
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        if (heldLine === '' && line.startsWith(HELD)) {
          heldLine = line;
          clearTimeout(timer);
          resolve();
        } else if (heldLine !== '') onLine(line);
      }
    });
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4096)));
    child.on('error', (e) => {
      exited = true;
      freeSlot();
      clearTimeout(timer);
      reject(new HostUnreachableError(name, `cannot run ssh: ${e.message}`));
    });
    child.on('exit', (code) => {
      exited = true;
      clearTimeout(timer);
      if (heldLine !== '') return; // lost after it was held: whoever holds it finds out (alive())
      if (code === BUSY_EXIT)
        reject(new LockError(`${name}: lock ${lockFile} not obtained within ${timeoutSeconds}s: another tmuxctl is reconciling this tmux server`));
      else if (code === SSH_FAILED) reject(new HostUnreachableError(name, lastLine(err) ?? 'ssh failed'));
      else reject(new LockError(`${name}: cannot take lock ${lockFile}: ${lastLine(err) ?? `exit status ${code}`}`));
    });
  });
  return {
    heldLine,
    alive: () => !exited,
    end() {
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.end();
      child.unref();
    },
  };
}

/** The lock for one command (apply, delete, the verbs): held until released, by `cat` reading our ssh's stdin. */
export async function takeRemoteLock(conn: SshConnection, lockFile: string, timeoutSeconds: number, connectMs: number): Promise<HeldLock> {
  const hold = await holdRemoteLock({ conn, lockFile, timeoutSeconds, connectMs }, `echo ${HELD}; exec cat >/dev/null`);
  return {
    async release() {
      hold.end();
    },
  };
}
