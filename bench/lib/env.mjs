import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = path.join(repoRoot, 'dist', 'cli', 'main.js');

/** Absolute path of a program on PATH, or undefined. */
export function which(name, envPath = process.env.PATH ?? '') {
  for (const dir of envPath.split(':')) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function version(cmd, args) {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
    return (r.stdout || r.stderr || '').trim().split('\n').pop();
  } catch {
    return undefined;
  }
}

/**
 * Everything the bench runs lives under one private temp folder: every tmux server has its own
 * `-L tmuxctl-bench-<random>` socket inside a private TMUX_TMPDIR, state dirs and pm2's home are
 * there too. The user's default tmux server and ~/.pm2 are never touched. Every server started is
 * remembered and killed at the end, also on Ctrl-C.
 */
export class BenchEnv {
  constructor() {
    this.root = mkdtempSync(path.join(os.tmpdir(), 'tmuxctl-bench-'));
    this.tmuxTmp = this.dir('tmux-tmp');
    this.tag = Math.random().toString(36).slice(2, 8);
    this.servers = new Set();
    this.cleanups = [];
    this.counter = 0;
    const base = { ...process.env };
    delete base.TMUX;
    delete base.TMUX_PANE;
    // TMUXCTL_CONTROL=1: the bench measures watch's control-mode engine, which is on by default only
    // on tmux 3.7 or later (cli/commands/watch.ts); its servers are its own. TMUXCTL_CONTROL=0 in the
    // caller's environment measures the spawned clients instead.
    /** @type {NodeJS.ProcessEnv} what every tmux and tmuxctl the bench runs gets */
    this.env = {
      ...base,
      TMUX_TMPDIR: this.tmuxTmp,
      NO_COLOR: '1',
      TMUXCTL_STATE_DIR: this.dir('state-default'),
      TMUXCTL_CONTROL: base.TMUXCTL_CONTROL ?? '1',
    };
    /** @type {import('./tools.mjs').Pm2Daemon | undefined} the one pm2 daemon, once a section needs it */
    this.pm2 = undefined;
    this.tmux = which('tmux');
    if (!this.tmux) throw new Error('tmux is not installed: apt-get install -y tmux');
  }

  dir(...parts) {
    const d = path.join(this.root, ...parts);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** A fresh socket name; the server is started by whoever uses it first, and killed by cleanup. */
  newSocket(label = 's') {
    const name = `tmuxctl-bench-${this.tag}-${label}-${++this.counter}`;
    this.servers.add(name);
    return name;
  }

  /**
   * Kills one server (and with it every pane process) and waits until it is gone. A server busy for
   * seconds (a cold batch of 1000 sessions that tmuxctl gave up waiting for) may not answer
   * `kill-server` in time: every client call has a timeout, and a server still there after them is
   * sent SIGKILL by its pid, found from the socket it listens on (never by name).
   */
  killServer(socket) {
    const opts = { env: this.env, encoding: /** @type {const} */ ('utf8'), timeout: 20_000 };
    spawnSync(this.tmux, ['-L', socket, 'kill-server'], { ...opts, stdio: 'ignore' });
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      const r = spawnSync(this.tmux, ['-L', socket, 'list-sessions'], { ...opts, timeout: 5000 });
      gone = /no server running|error connecting/.test(r.stderr ?? '');
      if (!gone) spawnSync('sleep', ['0.02']);
    }
    if (!gone) {
      const pid = serverPid(this.socketPath(socket));
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    rmSync(this.socketPath(socket), { force: true });
    this.servers.delete(socket);
  }

  /** The pid of the tmux server listening on `socket` (our private one), or undefined. */
  serverPidOf(socket) {
    return serverPid(this.socketPath(socket));
  }

  socketPath(socket) {
    return path.join(this.tmuxTmp, `tmux-${process.getuid()}`, socket);
  }

  onCleanup(fn) {
    this.cleanups.push(fn);
  }

  cleanup() {
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        fn();
      } catch {
        // best effort: keep cleaning
      }
    }
    for (const s of [...this.servers]) this.killServer(s);
    rmSync(this.root, { recursive: true, force: true });
  }

  machine() {
    const cpus = os.cpus();
    const osRelease = existsSync('/etc/os-release') ? /PRETTY_NAME="?([^"\n]*)/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] : undefined;
    return {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
      os: osRelease ?? `${os.type()} ${os.release()}`,
      kernel: os.release(),
      node: process.version,
      tmux: version(this.tmux, ['-V']),
      loadAverage: os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' '),
    };
  }
}

/**
 * The pid of the process listening on the unix socket at `socketPath`: the socket's inode from
 * /proc/net/unix, then the process of this user holding a descriptor on it.
 * @param {string} socketPath
 * @returns {number | undefined}
 */
export function serverPid(socketPath) {
  let inode;
  try {
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[7] === socketPath) inode = f[6];
    }
  } catch {
    return undefined;
  }
  if (!inode) return undefined;
  const want = `socket:[${inode}]`;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds = [];
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${d}/fd/${fd}`) === want) return Number(d);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/**
 * The comparison tools found; a missing one is undefined (and its part of a section is skipped).
 * @typedef {object} Tools
 * @property {Tool} [tmuxp]
 * @property {Tool} [tmuxinator]
 * @property {Tool} [pm2]
 * @property {string} [bash] a bash with $EPOCHREALTIME (bash 5), for the watch section's fixture
 */

/** @typedef {{ path: string, version: string | undefined }} Tool */

/**
 * The comparison tools, when installed (the bench installs nothing): tmuxp and tmuxinator on PATH,
 * pm2 on PATH or in bench/.scratch/node_modules (`npm i --prefix bench/.scratch pm2`; git ignores it), or
 * wherever $BENCH_PM2 points.
 * @returns {Tools}
 */
export function detectTools() {
  const scratchPm2 = path.join(repoRoot, 'bench', '.scratch', 'node_modules', '.bin', 'pm2');
  const pm2 = process.env.BENCH_PM2 || (existsSync(scratchPm2) ? scratchPm2 : which('pm2'));
  // Not `pm2 --version`: that starts a daemon in ~/.pm2.
  const pm2Version = pm2 && packageVersion(path.join(path.dirname(realpathSync(pm2)), '..', 'package.json'));
  const tmuxp = which('tmuxp');
  const tmuxinator = which('tmuxinator');
  const bash = which('bash');
  const bashHasEpoch = bash ? spawnSync(bash, ['-c', 'test -n "$EPOCHREALTIME"']).status === 0 : false;
  return {
    tmuxp: tmuxp && { path: tmuxp, version: version(tmuxp, ['--version']) },
    tmuxinator: tmuxinator && { path: tmuxinator, version: version(tmuxinator, ['version']) },
    pm2: pm2 && { path: pm2, version: pm2Version },
    bash: bashHasEpoch ? bash : undefined,
  };
}

function packageVersion(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return undefined;
  }
}
