import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { cpuController, makeCpuGroup } from './cpu-cap.mjs';
import { sleep } from './proc.mjs';

/**
 * Real "hosts" for the hosts section, as test/helpers/sshd.ts makes them for the tests (that one is
 * TypeScript on vitest hooks): each host is a throw-away account (`tmxb-<random6>`) with its own
 * home, tmux server and processes, reached through an sshd of its own on a free 127.0.0.1 port,
 * with keys made for the run and one ssh config file for all (`TMUXCTL_SSH_CONFIG`). Needs root.
 * Nothing listens beyond 127.0.0.1. Teardown is synchronous (BenchEnv's cleanup is, Ctrl-C
 * included): the sshds and everything they started by pid, every process of each account by uid
 * (the accounts exist only for the bench), then `userdel -r`.
 *
 * With `cpuCap`, each host also gets a cgroup of its own (bench/lib/cpu-cap.mjs) that its sshd is
 * moved into as soon as it is spawned, before anything can connect: every process of the host (the
 * logins, its tmux server, its panes) descends from that sshd and inherits the group. `run` moves
 * itself in too before it becomes the account. The quota is set by the caller (`caps.set`) and can
 * change between runs; teardown removes the groups once their processes are gone.
 */
const SSHD = '/usr/sbin/sshd';
const PREFIX = 'tmxb-';

/**
 * @typedef {object} BenchHost
 * @property {string} name the spec's name and the config's Host alias
 * @property {string} user
 * @property {number} uid
 * @property {number} gid
 * @property {string} home
 * @property {number} port
 * @property {(cmd: string, opts?: { input?: string, timeoutMs?: number }) => { code: number | null, stdout: string, stderr: string }} run
 *   a shell command as the account, on this machine (not over ssh), synchronously (in the host's cgroup, if it has one)
 * @property {string | undefined} cgroup the host's cgroup folder, if it has one
 */

/**
 * @typedef {object} HostCaps
 * @property {string} [skipped] why the hosts have no cgroups (then nothing below is there)
 * @property {string} [kind] 'cgroup v1' or 'cgroup v2'
 * @property {(cpus: number | undefined, periodUs: number) => void} [set] the same quota for every host, or none
 * @property {() => number} [throttledMs] the time the hosts' groups spent throttled so far, summed, in ms
 * @property {() => Record<string, { processes: number, byName: Record<string, number>, outside: string[] }>} [check]
 *   every process of each host now (its account's and everything under its sshd), by name, and those not in its group
 */

/**
 * Makes the hosts, starts their sshds and waits until each accepts connections.
 * @param {import('./env.mjs').BenchEnv} env
 * @param {readonly string[]} names
 * @param {{ cpuCap?: boolean }} [opts] a cgroup per host, to give each a CPU quota of its own
 * @returns {Promise<{ hosts: BenchHost[], configFile: string, host: (name: string) => BenchHost, caps: HostCaps }>}
 */
export async function createSshHosts(env, names, { cpuCap = false } = {}) {
  if (process.getuid?.() !== 0) throw new Error('the hosts section makes throw-away accounts and sshd instances: run it as root');
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: apt-get install -y openssh-server`);
  const controller = cpuCap ? cpuController() : { skipped: 'not asked for' };
  mkdirSync('/run/sshd', { recursive: true });
  const root = env.dir('ssh-hosts');
  chmodSync(root, 0o700);
  const states = [];
  // Registered before anything is made, so a failure half-way still removes what was made.
  env.onCleanup(() => {
    for (const s of states.reverse()) destroyHost(s);
  });
  for (const name of names) {
    const user = PREFIX + Math.random().toString(36).slice(2, 8).padEnd(6, '0');
    sh('useradd', ['-m', '-p', '*', '-s', '/bin/sh', '-c', `tmuxctl bench host pid=${process.pid}`, user]);
    const s = { name, user, sshd: undefined };
    states.push(s);
    const f = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`))
      ?.split(':');
    if (!f) throw new Error(`useradd made no passwd entry for ${user}`);
    Object.assign(s, { uid: Number(f[2]), gid: Number(f[3]), home: f[5] });
    if (!('skipped' in controller)) s.cpu = makeCpuGroup(controller, user);
    s.keyFile = path.join(root, `id_${user}`);
    s.hostKey = path.join(root, `hostkey_${user}`);
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${user}-client`, '-f', s.keyFile]);
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${user}-host`, '-f', s.hostKey]);
    const sshDir = path.join(s.home, '.ssh');
    mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(sshDir, 'authorized_keys'), readFileSync(`${s.keyFile}.pub`), { mode: 0o600 });
    chmodSync(s.home, 0o755);
    chownSync(sshDir, s.uid, s.gid);
    chownSync(path.join(sshDir, 'authorized_keys'), s.uid, s.gid);
    s.port = await freePort();
    s.config = path.join(root, `sshd_config_${user}`);
    s.log = path.join(root, `sshd_${user}.log`);
    writeFileSync(
      s.config,
      [
        'ListenAddress 127.0.0.1',
        `HostKey ${s.hostKey}`,
        `PidFile ${path.join(root, `sshd_${user}.pid`)}`,
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'AuthorizedKeysFile .ssh/authorized_keys',
        'StrictModes yes',
        `AllowUsers ${user}`,
        'PermitRootLogin no',
        'X11Forwarding no',
        'PrintMotd no',
        'PrintLastLog no',
        'MaxStartups 100',
        'MaxSessions 100',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    s.sshd = spawn(SSHD, ['-D', '-f', s.config, '-p', String(s.port), '-E', s.log], { stdio: 'ignore' });
    // Into its group before anything connects (below): sshd -D forks nothing until a connection comes.
    if (s.cpu) s.cpu.add(s.sshd.pid);
  }
  for (const s of states) {
    const deadline = Date.now() + 15_000;
    while (!(await accepts(s.port))) {
      if (s.sshd.exitCode !== null || Date.now() > deadline) throw new Error(`${s.name}: sshd on port ${s.port} did not start: ${tail(s.log)}`);
      await sleep(50);
    }
  }
  const knownHosts = path.join(root, 'known_hosts');
  writeFileSync(knownHosts, states.map((s) => `[127.0.0.1]:${s.port} ${readFileSync(`${s.hostKey}.pub`, 'utf8').trim()}\n`).join(''));
  const configFile = path.join(root, 'ssh_config');
  writeFileSync(
    configFile,
    [
      ...states.map((s) => [`Host ${s.name}`, '  HostName 127.0.0.1', `  Port ${s.port}`, `  User ${s.user}`, `  IdentityFile ${s.keyFile}`].join('\n')),
      [
        'Host *',
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  UpdateHostKeys no',
      ].join('\n'),
      '',
    ].join('\n\n'),
  );
  const hosts = states.map((s) => ({
    name: s.name,
    user: s.user,
    uid: s.uid,
    gid: s.gid,
    home: s.home,
    port: s.port,
    run: (cmd, o = {}) => runAsUser(s, cmd, o),
    cgroup: s.cpu?.dir,
  }));
  /** @type {HostCaps} */
  const caps =
    'skipped' in controller
      ? { skipped: controller.skipped }
      : {
          kind: controller.kind,
          set: (cpus, periodUs) => {
            for (const s of states) s.cpu.set(cpus, periodUs);
          },
          throttledMs: () => states.reduce((sum, s) => sum + s.cpu.throttledMs(), 0),
          check: () => Object.fromEntries(states.map((s) => [s.name, checkHost(s)])),
        };
  return { hosts, configFile, host: (n) => hosts.find((h) => h.name === n), caps };
}

/** Every process of a host (its account's, and everything under its sshd), by name, and which are outside its group. */
function checkHost(s) {
  const pids = [...new Set([s.sshd.pid, ...descendantsOf(s.sshd.pid), ...pidsOfUid(s.uid)])];
  const byName = {};
  const outside = [];
  for (const pid of pids) {
    let comm;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // A zombie has left its cgroup (its /proc/PID/cgroup reads "/") and runs nothing: not counted.
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
    } catch {
      continue; // gone meanwhile
    }
    byName[comm] = (byName[comm] ?? 0) + 1;
    if (!s.cpu.holds(pid)) outside.push(`${pid} ${comm}`);
  }
  return { processes: Object.values(byName).reduce((a, b) => a + b, 0), byName, outside };
}

/**
 * A shell command as the account, in its home, with a clean environment (as sshd would give it, minus ssh).
 * @param {any} s the host's state (home, user, uid, gid)
 * @param {string} cmd
 * @param {{ input?: string, timeoutMs?: number }} [opts]
 */
function runAsUser(s, cmd, { input, timeoutMs = 30_000 } = {}) {
  const envv = [`HOME=${s.home}`, `USER=${s.user}`, `LOGNAME=${s.user}`, 'SHELL=/bin/sh', 'PATH=/usr/local/bin:/usr/bin:/bin'];
  const argv = ['setpriv', '--reuid', String(s.uid), '--regid', String(s.gid), '--init-groups', '--', 'env', '-i', ...envv, 'sh', '-c', cmd];
  // In the host's group first (as root, before setpriv drops to the account), like everything else of the host.
  const [file, ...args] = s.cpu ? ['sh', '-c', 'echo $$ > "$0" && exec "$@"', s.cpu.procs, ...argv] : argv;
  const r = spawnSync(file, args, {
    cwd: s.home,
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * The folder of tmuxctl's control sockets for a state dir: the bench's copy of
 * src/host/ssh/control-path.ts (`<stateDir>/ssh`, or a short one under /tmp when that is too long),
 * so the bench can end the masters a run left (`ssh -O exit`), never by name.
 */
export function controlDirOf(stateDir) {
  const inState = path.join(stateDir, 'ssh');
  if (Buffer.byteLength(inState) <= 49) return inState;
  return path.join(`/tmp/tmuxctl-ssh-${process.getuid()}`, createHash('sha256').update(stateDir).digest('hex').slice(0, 12));
}

/** ssh's options for a call through the master tmuxctl keeps for `stateDir` (the same ones it passes). */
export function sshOptions(configFile, stateDir) {
  return ['-F', configFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', `ControlPath=${path.join(controlDirOf(stateDir), '%C')}`];
}

/** Ends the master connections tmuxctl started for `stateDir`, to these hosts (a no-op where there is none). */
export function closeMasters(configFile, stateDir, hostNames) {
  for (const h of hostNames) spawnSync('ssh', [...sshOptions(configFile, stateDir), '-O', 'exit', h], { stdio: 'ignore', timeout: 10_000 });
}

function destroyHost(s) {
  if (s.sshd?.pid && s.sshd.exitCode === null) for (const p of [s.sshd.pid, ...descendantsOf(s.sshd.pid)]) signal(p, 'SIGKILL');
  if (s.uid !== undefined) {
    for (let i = 0; i < 100; i++) {
      const pids = pidsOfUid(s.uid);
      if (pids.length === 0) break;
      for (const p of pids) signal(p, 'SIGKILL');
      spawnSync('sleep', ['0.02']);
    }
  }
  // Empty now (what was left of the host in it is killed by remove): the group goes before the account.
  if (s.cpu && !s.cpu.remove()) process.stderr.write(`warning: could not remove ${s.cpu.dir}: ${s.cpu.pids().length} processes still in it\n`);
  spawnSync('userdel', ['-r', s.user], { stdio: 'ignore', timeout: 20_000 });
  if (s.uid !== undefined) {
    try {
      const dir = `/tmp/tmux-${s.uid}`;
      if (statSync(dir).uid === s.uid) rmSync(dir, { recursive: true, force: true });
    } catch {
      // not there
    }
  }
}

function sh(file, args) {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}: ${(r.stderr ?? '').trim()}`);
  return r.stdout;
}

/** Every pid whose real, effective, saved or file-system uid is `uid`. */
function pidsOfUid(uid) {
  const out = [];
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

function descendantsOf(pid) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const [child, pp] of parent) {
      if (pp !== p || out.includes(child)) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '(no log)';
  }
}
