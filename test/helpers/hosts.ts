/**
 * What the tests of sessions on hosts share: spec documents that declare the hosts of the harness
 * (test/helpers/sshd.ts), tmuxctl run with its ssh config, and the live panes of a host's tmux
 * server on the test's socket, read as that host's user.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SshHosts } from './sshd.js';
import type { CliResult, TmuxServer } from './tmux.js';

/** A spec document declaring these hosts (each by its alias in the harness's ssh config) and these sessions. */
export function hostsDoc(hosts: readonly string[], sessions: Record<string, Record<string, unknown>>): object {
  return { version: 1, hosts: Object.fromEntries(hosts.map((h) => [h, { ssh: h }])), sessions };
}

/** hostsDoc with the hosts fixed: a test file's spec documents, all over the same hosts. */
export function hostsDocFor(hosts: readonly string[]): (sessions: Record<string, Record<string, unknown>>) => object {
  return (sessions) => hostsDoc(hosts, sessions);
}

export interface HostsHarness {
  /** The environment tmuxctl needs to reach the hosts (the harness's ssh config). */
  env(): Record<string, string>;
  /** `tmuxctl -L <socket> ...args` with that environment and a deadline fit for ssh. */
  tmuxctl(args: readonly string[]): Promise<CliResult>;
  /** `session -> pid` of the live panes of the host's tmux server on the test's socket. */
  panesOn(host: string): Promise<Map<string, number>>;
  /** The live pane pid of a session on a host, or undefined. */
  pidOn(host: string, session: string): Promise<number | undefined>;
  /** The session's live pid on the host once it is another than `old` (restarted), else undefined: for waitFor. */
  replacedOn(host: string, session: string, old: number): Promise<number | undefined>;
}

export function hostsHarness(t: TmuxServer, ssh: SshHosts): HostsHarness {
  const env = () => ({ TMUXCTL_SSH_CONFIG: ssh.configFile });
  const panesOn = async (host: string): Promise<Map<string, number>> => {
    const r = await ssh.host(host).run(`tmux -L ${t.socket} list-panes -a -F '#{session_name} #{pane_pid} #{pane_dead}'`);
    const out = new Map<string, number>();
    if (r.code !== 0) return out; // no server: no panes
    for (const line of r.stdout.trim().split('\n').filter(Boolean)) {
      const [name, pid, dead] = line.split(' ');
      if (dead === '0') out.set(name!, Number(pid));
    }
    return out;
  };
  const pidOn = async (host: string, session: string) => (await panesOn(host)).get(session);
  return {
    env,
    tmuxctl: (args) => t.tmuxctl(args, { env: env(), timeoutMs: 60_000 }),
    panesOn,
    pidOn,
    replacedOn: async (host, session, old) => {
      const now = await pidOn(host, session);
      return now !== undefined && now !== old ? now : undefined;
    },
  };
}

let shims = 0;
/** A folder (under `parent`) with an `ssh` that logs its argv, one line a call, and runs the real one. */
export function loggingSsh(parent: string): { dir: string; calls: () => string[] } {
  const dir = path.join(parent, `ssh-shim-${++shims}`);
  mkdirSync(dir, { recursive: true });
  const log = path.join(dir, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(path.join(dir, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec /usr/bin/ssh "$@"\n`);
  chmodSync(path.join(dir, 'ssh'), 0o755);
  return {
    dir,
    /** The calls since the last look. */
    calls: () => {
      const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      writeFileSync(log, '');
      return lines;
    },
  };
}
