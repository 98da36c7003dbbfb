import { HostUnreachableError, UsageError } from '../errors.js';
import { LOCAL_HOST } from '../host/machine.js';
import { connectHost } from '../host/ssh-machine.js';
import { takeRemoteLock } from '../host/remote-lock.js';
import { DEFAULT_CONNECT_TIMEOUT_SEC, sshConfigFromEnv } from '../host/ssh/target.js';
import { declaredCwds } from '../observe/cwds.js';
import { SNAPSHOT_ARGS } from '../observe/snapshot.js';
import type { DesiredState, HostSpec } from '../spec/types.js';
import type { Context } from './context.js';

/** One host a command acts on: its context (its tmux, processes, lock and logs) and what is declared there. */
export interface HostScope {
  host: string;
  ctx: Context;
  /** The specs' sessions on this host only; undefined when the command runs without specs. */
  desired: DesiredState | undefined;
}

export interface OpenedHosts {
  /** Reached, `local` first, then the declared hosts by name. */
  scopes: HostScope[];
  /** Could not be reached: reported, and nothing is done there (nothing pruned, nothing recreated). */
  unreachable: HostUnreachableError[];
}

/** The sessions of `desired` that live on `host`; everything else (files, roots, hosts) unchanged. */
export function desiredOn(desired: DesiredState, host: string): DesiredState {
  return { ...desired, sessions: desired.sessions.filter((s) => s.host === host) };
}

/**
 * The hosts a command acts on: this machine and every declared host, or those named with `--host`
 * (an unknown name is a usage error, exit 2, before anything is touched). Remote hosts are
 * connected in parallel; one that cannot be reached is returned in `unreachable`, the others go on.
 */
export async function openHosts(ctx: Context, desired: DesiredState | undefined, only: readonly string[] | undefined): Promise<OpenedHosts> {
  const declared = desired?.hosts ?? [];
  const known = [LOCAL_HOST, ...declared.map((h) => h.name)];
  const unknown = (only ?? []).filter((h) => !known.includes(h));
  if (unknown.length > 0)
    throw new UsageError(`unknown host ${unknown.map((h) => JSON.stringify(h)).join(', ')} in --host: the specs declare ${known.join(', ')}`);
  const wanted = (h: string) => !only || only.length === 0 || only.includes(h);
  const scopes: HostScope[] = wanted(LOCAL_HOST) ? [{ host: LOCAL_HOST, ctx, desired: desired && desiredOn(desired, LOCAL_HOST) }] : [];
  const unreachable: HostUnreachableError[] = [];
  const remote = await Promise.all(
    declared
      .filter((h) => wanted(h.name))
      .map(async (h) => {
        try {
          const on = desired && desiredOn(desired, h.name);
          return { host: h.name, ctx: await hostContext(ctx, h, on), desired: on };
        } catch (e) {
          if (!(e instanceof HostUnreachableError)) throw e;
          unreachable.push(e);
          return undefined;
        }
      }),
  );
  for (const s of remote) if (s) scopes.push(s);
  return { scopes, unreachable: unreachable.sort((a, b) => a.host.localeCompare(b.host)) };
}

/**
 * The context of a command on a host: the same command, with that host's tmux, processes, lock and
 * logs. The connect's one round trip also takes the first look a command makes (the snapshot and,
 * with specs, the test of the declared working directories): a no-op apply costs that one call.
 */
async function hostContext(ctx: Context, host: HostSpec, desired: DesiredState | undefined): Promise<Context> {
  const connectTimeoutSec = DEFAULT_CONNECT_TIMEOUT_SEC;
  const configFile = sshConfigFromEnv(ctx.io.env);
  const target = { name: host.name, ssh: host.ssh, stateDir: ctx.stateDir, connectTimeoutSec, ...(configFile && { configFile }) };
  const connectMs = (connectTimeoutSec + 5) * 1000;
  const prefetch = { tmux: SNAPSHOT_ARGS, ...(desired && { dirs: declaredCwds(desired) }) };
  const reached = await connectHost(host, target, ctx.server, ctx.io.env as NodeJS.ProcessEnv, Math.max(connectMs, ctx.tmux.timeoutMs), prefetch);
  return {
    ...ctx,
    tmux: reached.machine.tmux as Context['tmux'],
    machine: reached.machine,
    lockFile: reached.lockFile,
    logDir: reached.logDir,
    lock: (timeoutSeconds) => {
      // What is planned under the lock comes from a look taken under it, never from the connect's.
      reached.forgetHello();
      return takeRemoteLock(reached.conn, reached.lockFile, timeoutSeconds, connectMs);
    },
  };
}

/** How a target on a host is written for people: `gpu1/agent-a`; this machine's as it always was. */
export function onHost(host: string, target: string): string {
  return host === LOCAL_HOST ? target : `${host}/${target}`;
}
