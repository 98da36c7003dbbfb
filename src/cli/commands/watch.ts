import { startWatch } from '../../supervise/watch.js';
import { eventLog, loadOrFail, type Context } from '../context.js';

export interface WatchCommandOptions {
  file?: string[];
  resync: number;
  lockTimeout: number;
}

/**
 * Runs until SIGINT/SIGTERM, then stops within a second and exits 0, leaving every session running:
 * a controller stopping is no reason to stop what it manages.
 */
export async function watchCommand(ctx: Context, opts: WatchCommandOptions): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file); // an invalid start is exit 2, like apply
  const { loadDesiredState } = await import('../../spec/load.js');
  const files = opts.file && opts.file.length > 0 ? opts.file : ['specs'];
  // Listen before starting: a signal during start-up must also end in a clean exit 0.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const events = eventLog(ctx, true);
  events.record({ event: 'watch-started', reason: `${desired.sessions.length} sessions, resync every ${opts.resync}s` });
  const watcher = await startWatch({
    tmux: ctx.tmux,
    initial: desired,
    load: () => loadDesiredState(files, { cwd: ctx.io.cwd, env: ctx.io.env }),
    events,
    lockFile: ctx.lockFile,
    lockTimeoutSeconds: opts.lockTimeout,
    logDir: ctx.logDir,
    resyncSeconds: opts.resync,
    env: ctx.io.env as NodeJS.ProcessEnv,
  });
  const signal = await signalled;
  events.record({ event: 'watch-stopping', reason: signal });
  // Never wait long on a pass that is mid-way through stopping a slow process: it is abandoned (its
  // session keeps running; the next pass of any tmuxctl finishes the job), and the process exits
  // even though that pass still holds timers and children.
  const stopped = await Promise.race([watcher.stop().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 500).unref())]);
  if (!stopped) events.record({ event: 'watch-stopping', reason: 'abandoning the pass under way' }, 'warn');
  await events.close();
  if (!stopped) setTimeout(() => process.exit(), 50).unref();
  return 0;
}
