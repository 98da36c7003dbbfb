import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KeptLock } from '../apply/kept-lock.js';
import { acquireLock, type HeldLock } from '../apply/lock.js';
import { SpecError } from '../errors.js';
import { wakeWatch } from '../tmux/wake.js';
import { openEventLog, type EventLog } from '../log/events.js';
import type { DesiredState } from '../spec/types.js';
import { stateDir as resolveStateDir, lockPath, serverTag, sessionLogDir, socketPath } from '../state/paths.js';
import { localMachine } from '../host/local-procs.js';
import type { Machine } from '../host/machine.js';
import { TmuxClient, type ServerAddress } from '../tmux/client.js';
import type { GlobalOptions } from './options.js';
import type { Io } from './io.js';

/** What every command needs: the tmux server, the state dir, and a way to load specs. */
export interface Context {
  io: Io;
  global: GlobalOptions;
  server: ServerAddress;
  tmux: TmuxClient;
  /** The machine the server runs on: its tmux (the same client as `tmux`) and its process table. */
  machine: Machine;
  stateDir: string;
  lockFile: string;
  /** Folder of the per-session output logs for this server (on the machine the server runs on). */
  logDir: string;
  /**
   * Takes this server's reconcile lock (apply/lock.ts here; on a host, in its state dir there) and
   * resolves with it held.
   */
  lock(timeoutSeconds: number): Promise<HeldLock>;
  /** A host's only: the lock as `watch` keeps it between passes there, handed over to whoever waits (host/kept-remote-lock.ts). */
  keepLock?(timeoutSeconds: number, onHandOver: () => void): KeptLock;
}

export function makeContext(io: Io, global: GlobalOptions): Context {
  const server: ServerAddress = { socketName: global.socketName, socketPath: global.socketPath };
  const dir = resolveStateDir(global.stateDir, io.env);
  const tag = serverTag(socketPath(server, io.env));
  const tmux = new TmuxClient(server, io.env as NodeJS.ProcessEnv);
  const lockFile = lockPath(dir, tag);
  return {
    io,
    global,
    server,
    tmux,
    machine: localMachine(tmux),
    stateDir: dir,
    lockFile,
    logDir: sessionLogDir(dir, tag),
    // A keeper (watch) is asked to hand the lock over through the server it watches.
    lock: (timeoutSeconds) => acquireLock(lockFile, timeoutSeconds, { askHolder: () => wakeWatch(tmux) }),
  };
}

/**
 * Loads specs all-or-nothing; any problem is a SpecError (exit 2) and nothing live is touched.
 * `inspect`: for commands that start nothing (status, delete), a declared cwd that no longer exists
 * is not a problem.
 */
export async function loadOrFail(io: Io, files: string[] | undefined, purpose: 'start' | 'inspect' = 'start'): Promise<DesiredState> {
  const { loadDesiredState } = await import('../spec/load.js');
  const result = await loadDesiredState(specPaths(io, files), { cwd: io.cwd, env: io.env, cwdMustExist: purpose === 'start' });
  if (!result.ok) throw new SpecError(result.problems);
  return result.desired;
}

/**
 * The spec paths a command reads: those given with -f, else `$TMUXCTL_SPECS` (a list separated by
 * `:`), else `$XDG_CONFIG_HOME/tmuxctl/specs` (`~/.config/tmuxctl/specs`) when it exists, else `./specs`. So `status` (and `apply`) work
 * from any folder once specs live in one known place.
 */
export function specPaths(io: Pick<Io, 'env' | 'cwd'>, files?: string[]): string[] {
  if (files && files.length > 0) return files;
  const fromEnv = (io.env.TMUXCTL_SPECS ?? '').split(':').filter((p) => p !== '');
  if (fromEnv.length > 0) return fromEnv;
  const config = join(io.env.XDG_CONFIG_HOME || join(io.env.HOME || homedir(), '.config'), 'tmuxctl', 'specs');
  return existsSync(config) ? [config] : ['specs'];
}

/** Whether any of the paths exists (relative ones from the working directory). */
export function anyPathExists(io: Pick<Io, 'cwd'>, paths: readonly string[]): boolean {
  return paths.some((p) => existsSync(resolve(io.cwd, p)));
}

/** The event log of this state dir; `console` echoes events as human lines on stderr (watch). */
export function eventLog(ctx: Context, console: boolean): EventLog {
  return openEventLog({
    stateDir: ctx.stateDir,
    consoleLevel: ctx.global.logLevel,
    console,
    onError: (m) => ctx.io.err(`tmuxctl: warning: ${m}\n`),
  });
}
