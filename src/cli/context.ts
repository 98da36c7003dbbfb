import { SpecError } from '../errors.js';
import { openEventLog, type EventLog } from '../log/events.js';
import type { DesiredState } from '../spec/types.js';
import { stateDir as resolveStateDir, lockPath, serverTag, sessionLogDir, socketPath } from '../state/paths.js';
import { TmuxClient, type ServerAddress } from '../tmux/client.js';
import type { GlobalOptions } from './options.js';
import type { Io } from './io.js';

/** What every command needs: the tmux server, the state dir, and a way to load specs. */
export interface Context {
  io: Io;
  global: GlobalOptions;
  server: ServerAddress;
  tmux: TmuxClient;
  stateDir: string;
  lockFile: string;
  /** Folder of the per-session output logs for this server. */
  logDir: string;
}

export function makeContext(io: Io, global: GlobalOptions): Context {
  const server: ServerAddress = { socketName: global.socketName, socketPath: global.socketPath };
  const dir = resolveStateDir(global.stateDir, io.env);
  const tag = serverTag(socketPath(server, io.env));
  return {
    io,
    global,
    server,
    tmux: new TmuxClient(server, io.env as NodeJS.ProcessEnv),
    stateDir: dir,
    lockFile: lockPath(dir, tag),
    logDir: sessionLogDir(dir, tag),
  };
}

/**
 * Loads specs all-or-nothing; any problem is a SpecError (exit 2) and nothing live is touched.
 * `inspect`: for commands that start nothing (status, delete), a declared cwd that no longer exists
 * is not a problem.
 */
export async function loadOrFail(io: Io, files: string[] | undefined, purpose: 'start' | 'inspect' = 'start'): Promise<DesiredState> {
  const { loadDesiredState } = await import('../spec/load.js');
  const result = await loadDesiredState(files && files.length > 0 ? files : ['specs'], { cwd: io.cwd, env: io.env, cwdMustExist: purpose === 'start' });
  if (!result.ok) throw new SpecError(result.problems);
  return result.desired;
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
