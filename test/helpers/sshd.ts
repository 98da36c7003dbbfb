/**
 * Real "hosts" for the SSH tests: each is a throw-away user account with its own home, tmux server
 * and processes, reached through an sshd of its own on a 127.0.0.1 port, with keys made for the run.
 *
 * Needs root (useradd, sshd). Nothing listens beyond 127.0.0.1 and nothing is sent elsewhere.
 * Teardown kills the account's processes by PID (found in /proc by uid: the account exists only for
 * the test, so all of them are the test's), stops its sshd and what sshd started, removes the
 * account (`userdel -r`), the keys and the config. Users are `tmxh-<random6>` and ports are picked
 * free, so test files running in parallel never share one.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const SSHD = '/usr/sbin/sshd';
const PREFIX = 'tmxh-';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface SshTestHost {
  /** The name used in the spec and as the `Host` alias of the shared ssh config file. */
  readonly name: string;
  /** The throw-away account (`tmxh-xxxxxx`) and its uid, gid and home. */
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** The 127.0.0.1 port its sshd listens on (the same after stopSshd/startSshd). */
  readonly port: number;
  /** The client key made for the run (private; `.pub` next to it). */
  readonly keyFile: string;
  /** `ssh://USER@127.0.0.1:PORT`: the destination without the alias (the config file still gives key and known hosts). */
  readonly url: string;
  /** The listening sshd's pid, or undefined while it is stopped. */
  readonly sshdPid: number | undefined;
  /** SIGTERM to this host's sshd and everything it started (its connections drop, as when a host goes away); waits for them. */
  stopSshd(): Promise<void>;
  /** Starts its sshd again on the same port with the same host key. */
  startSshd(): Promise<void>;
  /** SIGSTOP to this host's sshd and its connections: a host that hangs (connects, never answers). */
  pause(): void;
  /** SIGCONT to what pause() stopped. */
  resume(): void;
  /** Runs a shell command as this user on this machine (not over ssh), in its home with a clean environment. */
  run(cmd: string, opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** PIDs of every process of this user (any of its real, effective, saved or fs uids). */
  pidsOfUser(): number[];
  /** argv of every process of this user: to check that nothing secret shows in /proc. */
  cmdlinesOfUser(): { pid: number; argv: string[] }[];
}

export interface SshHosts {
  readonly hosts: SshTestHost[];
  /** One ssh_config for all hosts: `Host <name>` aliases, keys, and a known_hosts file with their host keys. */
  readonly configFile: string;
  /** Where keys, configs, pid files and sshd logs live (0700, root's). */
  readonly root: string;
  host(name: string): SshTestHost;
}

export interface SshHostsOptions {
  /** Login shell of the accounts. Default /bin/sh. */
  shell?: string;
}

interface HostState {
  name: string;
  user: string;
  uid: number;
  gid: number;
  home: string;
  port: number;
  keyFile: string;
  hostKey: string;
  sshdConfig: string;
  sshdLog: string;
  pidFile: string;
  sshd?: ChildProcess;
  paused: number[];
}

/** Accounts and sshds made by this process and not yet destroyed, for the exit-time backstop. */
const live = new Set<HostState>();
let exitHookInstalled = false;

/**
 * Registers start-up and teardown of SSH hosts for the calling test file. The returned object is
 * filled in by beforeAll; teardown runs in afterAll, and at process exit when a run is cut short.
 */
export function useSshHosts(names: string[], opts: SshHostsOptions = {}): SshHosts {
  let started: SshHosts | undefined;
  const get = (): SshHosts => {
    if (!started) throw new Error('useSshHosts: the hosts are started in beforeAll; use them inside a test');
    return started;
  };
  beforeAll(async () => {
    started = await startSshHosts(names, opts);
  }, 60_000);
  afterAll(async () => {
    if (started) await destroySshHosts(started);
  }, 60_000);
  return {
    get hosts() {
      return get().hosts;
    },
    get configFile() {
      return get().configFile;
    },
    get root() {
      return get().root;
    },
    host: (name) => get().host(name),
  };
}

export async function startSshHosts(names: string[], opts: SshHostsOptions = {}): Promise<SshHosts> {
  requireRootAndSshd();
  installExitHook();
  await reapAbandoned();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation folder
  const root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-sshd-'));
  const knownHosts = path.join(root, 'known_hosts');
  const configFile = path.join(root, 'ssh_config');
  const states: HostState[] = [];
  const made: SshHosts = {
    hosts: [],
    configFile,
    root,
    host(name) {
      const h = this.hosts.find((x) => x.name === name);
      if (!h) throw new Error(`no ssh test host named ${name}`);
      return h;
    },
  };
  try {
    for (const name of names) {
      const s = await createHost(name, root, opts.shell ?? '/bin/sh');
      states.push(s);
      live.add(s);
    }
    // Started before the client config is written: a port someone took meanwhile can still change.
    await Promise.all(states.map((s) => startDaemon(s, true)));
    writeFileSync(knownHosts, states.map((s) => `[127.0.0.1]:${s.port} ${readFileSync(`${s.hostKey}.pub`, 'utf8').trim()}\n`).join(''), { mode: 0o600 });
    writeFileSync(configFile, clientConfig(states, knownHosts), { mode: 0o600 });
    for (const s of states) made.hosts.push(hostHandle(s));
  } catch (e) {
    await destroyStates(states, root).catch(() => {}); // the first failure is the one worth reading
    throw e;
  }
  return made;
}

/** Kills every process of the test users (by PID), stops their sshds, removes the accounts and files. */
export async function destroySshHosts(hosts: SshHosts): Promise<void> {
  await destroyStates(
    hosts.hosts.flatMap((h) => stateOf.get(h) ?? []),
    hosts.root,
  );
}

async function destroyStates(states: HostState[], root: string): Promise<void> {
  const failures: string[] = [];
  for (const s of states) {
    try {
      await destroyHost(s);
    } catch (e) {
      failures.push(`${s.user}: ${(e as Error).message}`);
    }
  }
  rmSync(root, { recursive: true, force: true });
  if (failures.length) throw new Error(`ssh test hosts teardown: ${failures.join('; ')}`);
}

const stateOf = new WeakMap<SshTestHost, HostState>();

function hostHandle(s: HostState): SshTestHost {
  const h: SshTestHost = {
    name: s.name,
    user: s.user,
    uid: s.uid,
    gid: s.gid,
    home: s.home,
    port: s.port,
    keyFile: s.keyFile,
    url: `ssh://${s.user}@127.0.0.1:${s.port}`,
    get sshdPid() {
      return s.sshd && s.sshd.exitCode === null && s.sshd.signalCode === null ? s.sshd.pid : undefined;
    },
    stopSshd: () => stopDaemon(s),
    startSshd: () => startDaemon(s),
    pause() {
      const pid = h.sshdPid;
      if (pid === undefined) throw new Error(`${s.name}: sshd is not running`);
      s.paused = [pid, ...descendantsOf(pid)];
      for (const p of s.paused) signal(p, 'SIGSTOP');
    },
    resume() {
      for (const p of s.paused) signal(p, 'SIGCONT');
      s.paused = [];
    },
    run: (cmd, o = {}) => runAsUser(s, cmd, o),
    pidsOfUser: () => pidsOfUid(s.uid),
    cmdlinesOfUser: () => pidsOfUid(s.uid).flatMap((pid) => cmdlineOf(pid)),
  };
  stateOf.set(h, s);
  return h;
}

function requireRootAndSshd(): void {
  if (process.getuid?.() !== 0) throw new Error('the SSH tests make throw-away user accounts and sshd instances: run them as root (CI does)');
  try {
    statSync(SSHD);
  } catch {
    throw new Error(`${SSHD} not found: install openssh-server (Debian/Ubuntu: apt-get install -y openssh-server; .ci/run does)`);
  }
}

async function createHost(name: string, root: string, shell: string): Promise<HostState> {
  const user = PREFIX + Math.random().toString(36).slice(2, 8).padEnd(6, '0');
  // `-p '*'`: an account made without a password is locked ('!'), and sshd refuses a locked account when PAM is off.
  // The comment names the process that made it, so a later run can tell it was left behind.
  await retryLocked(() => exec('useradd', ['-m', '-p', '*', '-s', shell, '-c', `tmuxctl test host pid=${process.pid} root=${root}`, user]));
  const [uid, gid, home] = passwdEntry(user);
  const sshDir = path.join(home, '.ssh');
  const keyFile = path.join(root, `id_${user}`);
  const hostKey = path.join(root, `hostkey_${user}`);
  await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${user}-client`, '-f', keyFile]);
  await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${user}-host`, '-f', hostKey]);
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(sshDir, 'authorized_keys'), readFileSync(`${keyFile}.pub`), { mode: 0o600 });
  // StrictModes: the home, ~/.ssh and the keys file must be the user's and not writable by others.
  chmodSync(home, 0o755);
  chownSync(sshDir, uid, gid);
  chownSync(path.join(sshDir, 'authorized_keys'), uid, gid);
  const port = await freePort();
  const sshdConfig = path.join(root, `sshd_config_${user}`);
  const state: HostState = {
    name,
    user,
    uid,
    gid,
    home,
    port,
    keyFile,
    hostKey,
    sshdConfig,
    sshdLog: path.join(root, `sshd_${user}.log`),
    pidFile: path.join(root, `sshd_${user}.pid`),
    paused: [],
  };
  writeFileSync(sshdConfig, daemonConfig(state), { mode: 0o600 });
  return state;
}

function daemonConfig(s: HostState): string {
  return [
    `ListenAddress 127.0.0.1`,
    `HostKey ${s.hostKey}`,
    `PidFile ${s.pidFile}`,
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'AuthorizedKeysFile .ssh/authorized_keys',
    // A test may put a shim first on PATH there (~/.ssh/environment): only PATH, and only when that file exists.
    'PermitUserEnvironment PATH',
    'StrictModes yes',
    `AllowUsers ${s.user}`,
    'PermitRootLogin no',
    'X11Forwarding no',
    'PrintMotd no',
    'PrintLastLog no',
    // Many test files connect at once on a loaded machine: do not drop early connections.
    'MaxStartups 100',
    'LoginGraceTime 30',
    '',
  ].join('\n');
}

function clientConfig(states: HostState[], knownHosts: string): string {
  const blocks = states.map((s) =>
    [`Host ${s.name}`, `  HostName 127.0.0.1`, `  Port ${s.port}`, `  User ${s.user}`, `  IdentityFile ${s.keyFile}`].join('\n'),
  );
  // For every destination, aliases and ssh://user@127.0.0.1:port alike: only these keys, only these host keys.
  const all = ['Host *', '  IdentitiesOnly yes', ...states.map((s) => `  IdentityFile ${s.keyFile}`), `  UserKnownHostsFile ${knownHosts}`];
  all.push('  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', '  UpdateHostKeys no');
  return [...blocks, all.join('\n'), ''].join('\n\n');
}

/**
 * Starts the host's sshd and waits until it listens: it writes its pid file only once bound, so a
 * pid file with its pid means this sshd (not some other program) has the port. A port taken since
 * it was found free: another free one, the first time (before the client config names it).
 */
async function startDaemon(s: HostState, mayMove = false): Promise<void> {
  if (s.sshd && s.sshd.exitCode === null && s.sshd.signalCode === null) return;
  for (let attempt = 0; ; attempt++) {
    rmSync(s.pidFile, { force: true });
    const child = spawn(SSHD, ['-D', '-f', s.sshdConfig, '-p', String(s.port), '-E', s.sshdLog], { stdio: 'ignore' });
    s.sshd = child;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (readTail(s.pidFile) === String(child.pid)) return;
      if (Date.now() > deadline) throw new Error(`${s.name}: sshd on port ${s.port} not listening within 15 s: ${readTail(s.sshdLog)}`);
      await Promise.race([exited, sleep(50)]);
    }
    const why = readTail(s.sshdLog);
    if (!mayMove || attempt >= 3 || !/Address already in use/.test(why)) throw new Error(`${s.name}: sshd on port ${s.port} exited at start: ${why}`);
    s.port = await freePort();
  }
}

async function stopDaemon(s: HostState): Promise<void> {
  const child = s.sshd;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  // Its connections too (the [priv] monitors are its children, the sessions theirs): a host going away drops them.
  const tree = [child.pid, ...descendantsOf(child.pid)];
  for (const pid of s.paused) signal(pid, 'SIGCONT');
  s.paused = [];
  for (const pid of tree) signal(pid, 'SIGTERM');
  await waitGone(tree, 5000);
  for (const pid of tree) signal(pid, 'SIGKILL');
  await waitGone(tree, 5000);
}

async function destroyHost(s: HostState): Promise<void> {
  await stopDaemon(s);
  await killUid(s.uid);
  // userdel -r removes the home; the tmux socket folder in /tmp is the user's too.
  await retryLocked(() =>
    exec('userdel', ['-r', s.user]).catch((e: Error) => {
      // Exit 12: the home could not be removed (already gone); the account itself is.
      if (!/exit 12\b/.test(e.message)) throw e;
    }),
  );
  removeOwnedBy(`/tmp/tmux-${s.uid}`, s.uid);
  live.delete(s);
}

/**
 * Accounts a run that was killed outright (SIGKILL: no afterAll, no exit hook) left behind: a
 * `tmxh-` account whose comment names a process that no longer exists. Another file's live
 * accounts name a live process and are left alone.
 */
async function reapAbandoned(): Promise<void> {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    const [, pid, dir] = /^tmuxctl test host pid=(\d+)(?: root=(\S+))?$/.exec(f[4] ?? '') ?? [];
    if (!f[0]?.startsWith(PREFIX) || pid === undefined || alive(Number(pid))) continue;
    const uid = Number(f[2]);
    // Its sshd (root's) names the account in its config path: that recorded identity, not a name pattern.
    for (const { pid, argv } of allSshds()) {
      if (argv.some((a) => a.endsWith(`/sshd_config_${f[0]}`))) for (const p of [pid, ...descendantsOf(pid)]) signal(p, 'SIGKILL');
    }
    await killUid(uid);
    await retryLocked(() =>
      exec('userdel', ['-r', f[0]!]).catch((e: Error) => {
        if (!/exit (6|12)\b/.test(e.message)) throw e;
      }),
    );
    removeOwnedBy(`/tmp/tmux-${uid}`, uid);
    // Its keys and configs, when the folder is one this helper makes.
    if (dir && path.dirname(dir) === tmpdir() && /^tmuxctl-sshd-[A-Za-z0-9]{6}$/.test(path.basename(dir))) rmSync(dir, { recursive: true, force: true });
  }
}

function allSshds(): { pid: number; argv: string[] }[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .flatMap((n) => cmdlineOf(Number(n)))
    .filter((c) => c.argv[0] === SSHD);
}

/** SIGKILL every process of the uid, again until none is left (a tmux server may fork while we kill). */
async function killUid(uid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pids = pidsOfUid(uid);
    if (pids.length === 0) return;
    for (const pid of pids) signal(pid, 'SIGKILL');
    if (Date.now() > deadline) throw new Error(`processes of uid ${uid} still alive after SIGKILL: ${pids.join(' ')}`);
    await sleep(25);
  }
}

function killUidSync(uid: number): void {
  for (let i = 0; i < 50; i++) {
    const pids = pidsOfUid(uid);
    if (pids.length === 0) return;
    for (const pid of pids) signal(pid, 'SIGKILL');
  }
}

/** If a test run is cut short (a crash, a timeout), afterAll may not run: clean up synchronously at exit. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const s of live) {
      try {
        const pid = s.sshd?.pid;
        if (pid && s.sshd?.exitCode === null) for (const p of [pid, ...descendantsOf(pid)]) signal(p, 'SIGKILL');
        killUidSync(s.uid);
        execFileSync('userdel', ['-r', s.user], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // best effort: nothing more can be done at exit
      }
    }
  });
}

async function runAsUser(s: HostState, cmd: string, o: { input?: string; timeoutMs?: number }): Promise<RunResult> {
  const env = ['HOME=' + s.home, 'USER=' + s.user, 'LOGNAME=' + s.user, 'SHELL=/bin/sh', 'PATH=/usr/local/bin:/usr/bin:/bin'];
  const args = ['--reuid', String(s.uid), '--regid', String(s.gid), '--init-groups', '--', 'env', '-i', ...env, 'sh', '-c', cmd];
  return new Promise((resolve, reject) => {
    const child = execFile('setpriv', args, { cwd: s.home, timeout: o.timeoutMs ?? 20_000, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException & { killed?: boolean }).killed) {
        reject(new Error(`${s.name}: timed out: ${cmd}`));
        return;
      }
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
    if (o.input !== undefined) child.stdin?.end(o.input);
    else child.stdin?.end();
  });
}

/** Every pid whose real, effective, saved or file-system uid is `uid`. */
export function pidsOfUid(uid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const line = readFileSync(`/proc/${name}/status`, 'utf8').match(/^Uid:\s+(.*)$/m)?.[1];
      if (line?.split(/\s+/).some((u) => Number(u) === uid)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function cmdlineOf(pid: number): { pid: number; argv: string[] }[] {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? [{ pid, argv: raw.replace(/\0$/, '').split('\0') }] : [];
  } catch {
    return [];
  }
}

/** Children, grandchildren...: from the ppid field of /proc/PID/stat. */
export function descendantsOf(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, pp] of parent) {
      if (pp !== p || out.includes(child)) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function passwdEntry(user: string): [number, number, string] {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`useradd made no passwd entry for ${user}`);
  const f = line.split(':');
  return [Number(f[2]), Number(f[3]), f[5]!];
}

/** A port nobody listens on now: bind 127.0.0.1:0, read it, close. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function exec(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as { code?: unknown }).code;
        reject(new Error(`${file} ${args.join(' ')}: exit ${String(code)}: ${stderr.trim()}`));
      } else resolve(stdout);
    });
  });
}

/** useradd and userdel fail (exit 10) when another file's useradd holds the passwd lock: try again. */
async function retryLocked(fn: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fn();
      return;
    } catch (e) {
      if (attempt >= 20 || !/cannot lock|exit 10\b/.test((e as Error).message)) throw e;
      await sleep(100 + Math.random() * 200);
    }
  }
}

function removeOwnedBy(dir: string, uid: number): void {
  try {
    if (statSync(dir).uid === uid) rmSync(dir, { recursive: true, force: true });
  } catch {
    // not there
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitGone(pids: number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await sleep(25);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
