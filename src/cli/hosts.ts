import { HostUnreachableError, UsageError } from '../errors.js';
import { LOCAL_HOST } from '../host/machine.js';
import { connectHost } from '../host/ssh-machine.js';
import { keepRemoteLock } from '../host/kept-remote-lock.js';
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
  const remote = await Promise.all(declared.filter((h) => wanted(h.name)).map((h) => openHost(ctx, h, desired)));
  for (const r of remote) {
    if (r instanceof HostUnreachableError) unreachable.push(r);
    else scopes.push(r);
  }
  return { scopes, unreachable: unreachable.sort((a, b) => a.host.localeCompare(b.host)) };
}

/** Connects to one declared host: its scope, or why it cannot be reached (any other error is thrown). */
export async function openHost(ctx: Context, host: HostSpec, desired: DesiredState | undefined): Promise<HostScope | HostUnreachableError> {
  try {
    const on = desired && desiredOn(desired, host.name);
    return { host: host.name, ctx: await hostContext(ctx, host, on), desired: on };
  } catch (e) {
    if (!(e instanceof HostUnreachableError)) throw e;
    return e;
  }
}

/** Whether two declarations of a host reach the same place (a change of either means connecting again). */
export function sameHost(a: HostSpec, b: HostSpec): boolean {
  return a.name === b.name && a.ssh === b.ssh && a.stateDir === b.stateDir;
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
    keepLock: (timeoutSeconds, onHandOver) => {
      const kept = keepRemoteLock({
        conn: reached.conn,
        lockFile: reached.lockFile,
        timeoutSeconds,
        connectMs,
        onHandOver,
        // A look the host took at a wake-up stands for a fresh one only while the lock stayed ours.
        onKeeperChange: () => reached.lockChanged(),
      });
      return {
        hold: () => {
          reached.forgetHello(); // as for lock: a pass plans from a look taken under the lock
          return kept.hold();
        },
        handOverIfAsked: () => kept.handOverIfAsked(),
        release: () => kept.release(),
      };
    },
  };
}

/** How a target on a host is written for people: `gpu1/agent-a`; this machine's as it always was. */
export function onHost(host: string, target: string): string {
  return host === LOCAL_HOST ? target : `${host}/${target}`;
}
