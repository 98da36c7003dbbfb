import { startWatch } from '../../supervise/watch.js';
import { LOCAL_HOST } from '../../host/machine.js';
import type { DesiredState, HostSpec } from '../../spec/types.js';
import { type Context, eventLog, loadOrFail, specPaths } from '../context.js';
import { desiredOn, openHost, openHosts } from '../hosts.js';
import { specsForHost } from '../host-specs.js';
import { eventsOnHost, HostWatchers } from '../host-watchers.js';

export interface WatchCommandOptions {
  file?: string[];
  resync: number;
  lockTimeout: number;
  /** `--host NAME`, repeatable: only these hosts (`local` is this machine). */
  host?: string[];
}

/**
 * How long a stop waits for the pass under way (it may be stopping a slow process) and then for the
 * notifications still queued, then for the event log to flush. Together under the second the README promises from SIGTERM to exit; the
 * CLI then ends the process at once (main.ts), whatever that pass still holds.
 */
const STOP_PASS_MS = 400;
const STOP_LOG_MS = 200;
const STOP_NOTIFY_MS = 300;

/**
 * Runs until SIGINT/SIGTERM, then stops within a second and exits 0, leaving every session running:
 * a controller stopping is no reason to stop what it manages. A first pass that finds no runnable
 * tmux ends it with that error (one line, exit 3), as apply would.
 */
export async function watchCommand(ctx: Context, opts: WatchCommandOptions): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file); // an invalid start is exit 2, like apply
  const { loadDesiredState } = await import('../../spec/load.js');
  const files = specPaths(ctx.io, opts.file);
  // Listen before starting: a signal during start-up must also end in a clean exit 0.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const log = eventLog(ctx, true);
  // Every event also feeds the notifier's outbox (delivered off the passes): notify/notifier.ts.
  const { createNotifier } = await import('../../notify/notifier.js');
  // This machine's sessions feed it directly; each host's watcher through notifier.forHost below.
  const notifier = createNotifier({ events: log, desired: desiredOn(desired, LOCAL_HOST), logDir: ctx.logDir, env: ctx.io.env as NodeJS.ProcessEnv });
  const events = notifier.events;
  // Nobody reads watch's output any more (`tmuxctl watch | head -2`): supervision goes on, and the
  // event log, which nobody's pipe can close, says so.
  ctx.io.onOutputLost?.((stream, reason) =>
    events.record({ event: 'output-lost', reason: `${stream}: ${reason}; watching on, events only in events.log` }, 'warn'),
  );
  events.record({ event: 'watch-started', reason: `${desired.sessions.length} sessions, resync every ${opts.resync}s` });
  const { scopes, unreachable } = await openHosts(ctx, desired, opts.host);
  const loadAll = () => loadDesiredState(files, { cwd: ctx.io.cwd, env: ctx.io.env });
  const feed = (host: string, initial: DesiredState, spec?: HostSpec) =>
    specsForHost({ host, initial, ...(spec && { spec }), loadAll, onChange: (full) => hosts.follow(full) });
  // One watcher per host: this machine's below, each host's on its own connection (hosts.ts),
  // following the hosts the specs declare as they change (host-watchers.ts).
  const hosts: HostWatchers = new HostWatchers(
    {
      start: (scope, spec) => {
        const initial = scope.desired ?? desiredOn(desired, scope.host);
        // The host's deaths, restart limits and failed starts notify as this machine's do: its events
        // (naming the host) and snapshots feed the same outbox, its last lines read from its own log.
        const onHost = notifier.forHost({
          host: scope.host,
          events: eventsOnHost(log, scope.host),
          desired: initial,
          files: scope.ctx.machine.files,
          logDir: scope.ctx.logDir,
        });
        return startWatch({
          ...feed(scope.host, initial, spec),
          tmux: scope.ctx.tmux,
          events: onHost.events,
          notifier: onHost,
          lockFile: scope.ctx.lockFile,
          lockTimeoutSeconds: opts.lockTimeout,
          logDir: scope.ctx.logDir,
          resyncSeconds: opts.resync,
          env: ctx.io.env as NodeJS.ProcessEnv,
          remote: { machine: scope.ctx.machine, lock: scope.ctx.lock, ...(scope.ctx.keepLock && { keepLock: scope.ctx.keepLock }) },
          // Over the host's ssh connection, on the same terms as here (its own tmux's version decides 'auto').
          control: controlMode(ctx.io.env),
        });
      },
      connect: (spec, current) => openHost(ctx, spec, current),
      events,
      ...(opts.host && { only: opts.host }),
    },
    desired,
  );
  await hosts.begin(scopes, unreachable); // this machine's scope is not theirs: its watcher is below
  // `--host` without `local`: this machine is not watched at all (an empty watch here would prune it).
  const local = scopes.some((s) => s.host === LOCAL_HOST);
  const watcher = !local
    ? undefined
    : await startWatch({
        tmux: ctx.tmux,
        ...feed(LOCAL_HOST, desiredOn(desired, LOCAL_HOST)),
        events,
        lockFile: ctx.lockFile,
        lockTimeoutSeconds: opts.lockTimeout,
        logDir: ctx.logDir,
        resyncSeconds: opts.resync,
        env: ctx.io.env as NodeJS.ProcessEnv,
        notifier,
        procBackstop: ctx.io.env.TMUXCTL_INTERNAL_NO_PROC_BACKSTOP !== '1',
        control: controlMode(ctx.io.env),
      });
  const outcome = await Promise.race([signalled.then((signal) => ({ signal })), ...(watcher ? [watcher.fatal.then((error) => ({ error }))] : [])]);
  if ('error' in outcome) {
    await within(STOP_PASS_MS, Promise.all([watcher?.stop(), hosts.stop()]));
    await notifier.drain(STOP_NOTIFY_MS);
    await within(STOP_LOG_MS, events.close());
    throw outcome.error; // one line from the CLI, exit 3
  }
  events.record({ event: 'watch-stopping', reason: outcome.signal });
  // Never wait long on a pass that is mid-way through stopping a slow process: it is abandoned (its
  // session keeps running; the next pass of any tmuxctl finishes the job).
  const stopped = await within(STOP_PASS_MS, Promise.all([watcher?.stop(), hosts.stop()]));
  if (!stopped) {
    events.record({ event: 'watch-stopping', reason: 'abandoning the pass under way' }, 'warn');
    watcher?.abandon(); // its tmux clients too, the control clients included: a stopped server would keep them for ever
    hosts.abandon();
  }
  // Messages still on their way get a moment, not a wait: a hung webhook must not hold the exit.
  await notifier.drain(STOP_NOTIFY_MS);
  await within(STOP_LOG_MS, events.close());
  return 0;
}

/**
 * Control mode: by default only on tmux 3.7 or later. Older servers (3.3a to 3.6b) segfault, losing
 * every session, when another client's command (a new-session, a kill-session, a detach) lands
 * while a control client is saying hello; watch's clients no longer cause that themselves, but
 * cannot rule it out for everyone else's commands (tmux/control/attach-gate.ts). TMUXCTL_CONTROL=1
 * takes that risk (the engine's tests, the bench), TMUXCTL_CONTROL=0 turns it off everywhere, and
 * TMUXCTL_INTERNAL_NO_CONTROL=1 (the spawned fallback's tests) wins over both.
 */
function controlMode(env: Record<string, string | undefined>): boolean | 'auto' {
  if (env.TMUXCTL_INTERNAL_NO_CONTROL === '1' || env.TMUXCTL_CONTROL === '0') return false;
  return env.TMUXCTL_CONTROL === '1' ? true : 'auto';
}

/** Whether `p` settled within `ms`. */
function within(ms: number, p: Promise<unknown>): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);
}
