import { closeSync, lstatSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { HostUnreachableError } from '../../errors.js';
import { signalChild } from '../../process/signal.js';
import { PRIVATE_FILE_MODE } from '../../state/dirs.js';
import { ensureControlDir } from './control-dir.js';
import { controlDir } from './control-path.js';
import { configFilesOf, configStamps, forgetControlPath, readControlPath, writeControlPath } from './control-path-cache.js';
import { baseOptions, controlCommand, masterCommand } from './ssh-args.js';
import { lastLine, runSshCommand } from './ssh-run.js';
import type { SshTarget } from './target.js';

/**
 * One shared ("master") connection per host: every call after the first rides it (no new TCP
 * connection, no new key exchange). Started when missing and started again when it is gone; calls
 * never depend on it (ControlMaster=no: without a master they connect directly).
 */

export interface MasterOptions {
  /** Deadline for connecting and authenticating, and for each local check. */
  timeoutMs: number;
  /** How long the master stays after its last call (ControlPersist), seconds. Default 300. */
  persistSec?: number;
}

export const DEFAULT_PERSIST_SEC = 300;

/** Starts in flight, one per target: parallel calls to one host share one start. */
const starting = new Map<string, Promise<void>>();
/** Control socket paths as ssh resolves them (`ssh -G`), per target. */
const socketPaths = new Map<string, string>();

/**
 * Makes sure the target's master connection runs: a quick local `ssh -O check` when its socket is
 * there, else a new master. Rejects with HostUnreachableError (one line) when the host cannot be
 * reached or authenticated, or does not answer within `timeoutMs`.
 */
export function ensureMaster(target: SshTarget, opts: MasterOptions): Promise<void> {
  const key = targetKey(target);
  let p = starting.get(key);
  if (!p) {
    p = startIfGone(target, opts).finally(() => starting.delete(key));
    starting.set(key, p);
  }
  return p;
}

/** Whether a master answers on the target's control socket (`ssh -O check`; local, no network). */
export async function masterRunning(target: SshTarget, timeoutMs: number): Promise<boolean> {
  try {
    return (await runSshCommand(target, controlCommand(target, 'check'), { timeoutMs })).code === 0;
  } catch {
    return false;
  }
}

/** Asks the target's master to exit (`ssh -O exit`). Resolves whether there was one. */
export async function closeMaster(target: SshTarget, timeoutMs = 5000): Promise<boolean> {
  try {
    return (await runSshCommand(target, controlCommand(target, 'exit'), { timeoutMs })).code === 0;
  } catch {
    return false;
  }
}

/**
 * The path of the target's control socket, as ssh expands `<dir>/%C` for it (`ssh -G`, no network),
 * unless this process or an earlier command already knows it (control-path-cache.ts).
 */
export async function controlSocketPath(target: SshTarget, timeoutMs: number): Promise<string> {
  const key = targetKey(target);
  const known = knownSocketPath(target);
  if (known) return known;
  const configFiles = configFilesOf(target.configFile);
  const stamps = configStamps(configFiles);
  const r = await runSshCommand(target, { file: 'ssh', args: [...baseOptions(target), '-G', target.ssh] }, { timeoutMs });
  const path = /^controlpath (.+)$/m.exec(r.stdout)?.[1];
  if (r.code !== 0 || !path) throw new HostUnreachableError(target.name, lastLine(r.stderr) ?? 'ssh -G printed no control path');
  socketPaths.set(key, path);
  writeControlPath(controlDir(target.stateDir, currentUid()), key, path, stamps);
  return path;
}

/**
 * The control socket path when it is known without running ssh: resolved earlier in this process,
 * or by an earlier command and still good (same ssh config files, younger than ControlPersist: an
 * older master is likely gone anyway). Undefined: ask `ssh -G`.
 */
export function knownSocketPath(target: SshTarget, maxAgeMs = DEFAULT_PERSIST_SEC * 1000): string | undefined {
  const key = targetKey(target);
  const known = socketPaths.get(key);
  if (known) return known;
  const cached = readControlPath(controlDir(target.stateDir, currentUid()), key, configFilesOf(target.configFile), maxAgeMs);
  if (cached) socketPaths.set(key, cached);
  return cached;
}

/**
 * A call found the master dead (its socket refused the connection): the next command must check
 * and start the master again instead of trusting the socket file that is still there.
 */
export function forgetSocketPath(target: SshTarget): void {
  const key = targetKey(target);
  socketPaths.delete(key);
  forgetControlPath(controlDir(target.stateDir, currentUid()), key);
}

async function startIfGone(target: SshTarget, opts: MasterOptions): Promise<void> {
  const dir = ensureControlDir(target.stateDir);
  // The path first (`ssh -G`, local; none when an earlier command left it: control-path-cache.ts),
  // then `-O check` only when a socket is there to ask: a cold start (no socket) runs one ssh
  // process fewer. A command whose master is up and whose path is remembered never gets here
  // (SshConnection.connect).
  const socket = await controlSocketPath(target, opts.timeoutMs);
  if (isSocket(socket) && (await masterRunning(target, opts.timeoutMs))) return;
  // A socket left by a master that was killed: ssh would refuse to replace it ("already exists,
  // disabling multiplexing") and carry on as a plain connection. It is in our own 0700 folder.
  if (isSocket(socket) && dirname(socket) === dir) removeFile(socket);
  await startMaster(target, opts, dir);
}

/**
 * Spawns the master with no pipe of ours: stdin and stdout /dev/null, stderr a file. A master
 * forked into the background from a client whose pipes we read would hold them open for as long
 * as it lives (older OpenSSH keeps stderr; any OpenSSH with -v), and reading until they close is
 * the two-minute hang this tool exists to end. The foreground ssh exits 0 once the master is up
 * (ControlPersist forks it), or 255 with its reason in the file.
 */
async function startMaster(target: SshTarget, opts: MasterOptions, dir: string): Promise<void> {
  const errFile = join(dir, `master-${randomBytes(6).toString('hex')}.err`);
  const fd = openSync(errFile, 'w', PRIVATE_FILE_MODE);
  const cmd = masterCommand(target, opts.persistSec ?? DEFAULT_PERSIST_SEC);
  try {
    const outcome = await new Promise<number | 'lost-race'>((resolve, reject) => {
      const child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'ignore', fd] });
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
      };
      const timer = setTimeout(() => {
        done();
        signalChild(child, 'SIGKILL');
        reject(new HostUnreachableError(target.name, `no answer over ssh within ${Math.round(opts.timeoutMs / 100) / 10} s`));
      }, opts.timeoutMs);
      // Another tmuxctl (a watch, a second apply) bound the socket first: this ssh then says so and
      // stays as a plain connection. It is ours: end it, and use the other master.
      const poll = setInterval(() => {
        if (!readText(errFile).includes(LOST_RACE)) return;
        done();
        signalChild(child, 'SIGKILL');
        resolve('lost-race');
      }, RACE_POLL_MS);
      child.on('error', (e: NodeJS.ErrnoException) => {
        done();
        reject(
          new HostUnreachableError(target.name, e.code === 'ENOENT' ? 'ssh not found on PATH: install the OpenSSH client' : `cannot run ssh: ${e.message}`),
        );
      });
      child.on('exit', (c, signal) => {
        done();
        resolve(c ?? (signal ? 128 : 1));
      });
    });
    if (outcome === 'lost-race') {
      if (await masterRunning(target, opts.timeoutMs)) return;
      throw new HostUnreachableError(target.name, 'the shared ssh connection went away while starting');
    }
    if (outcome !== 0) throw new HostUnreachableError(target.name, lastLine(readText(errFile)) ?? `ssh exited with ${outcome}`);
  } finally {
    closeSync(fd);
    removeFile(errFile);
  }
}

/** What ssh says when the control socket's name is taken (mux.c, unchanged since OpenSSH 5). */
const LOST_RACE = 'disabling multiplexing';
const RACE_POLL_MS = 100;

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function currentUid(): number {
  return process.getuid?.() ?? 0;
}

function targetKey(t: SshTarget): string {
  return [t.configFile ?? '', t.stateDir, t.ssh].join('\0');
}

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
