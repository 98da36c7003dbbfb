import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliPath, which } from './env.mjs';
import {
  SLEEP_ARGV,
  names,
  rawBatchArgs,
  writePm2Ecosystem,
  writeRawEachScript,
  writeTmuxctlSpec,
  writeTmuxinatorProjects,
  writeTmuxpWorkspaces,
} from './fixtures.mjs';
import { timed } from './proc.mjs';
import { childrenOf } from './usage.mjs';

/**
 * Runs `node dist/cli/main.js ARGS` against one bench server and state dir.
 * @param {import('./env.mjs').BenchEnv} env
 */
export function tmuxctl(env, socket, stateDir, args, opts = {}) {
  return timed(process.execPath, [cliPath, '-L', socket, '--state-dir', stateDir, ...args], { env: env.env, ...opts });
}

/** @param {import('./env.mjs').BenchEnv} env */
function countSessions(env, socket) {
  const r = spawnSync(env.tmux, ['-L', socket, 'list-sessions', '-F', '#{session_name}'], { env: env.env, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).length : 0;
}

/** @param {import('./env.mjs').BenchEnv} env */
function expectSessions(env, socket, n, who) {
  const got = countSessions(env, socket);
  if (got !== n) throw new Error(`${who}: expected ${n} sessions, found ${got}`);
}

/**
 * One way of creating N sessions, as measured by the cold-apply sections.
 * @typedef {object} Creator
 * @property {string} id
 * @property {string} label
 * @property {boolean} [slow] seconds per run at large N: fewer runs there, and skipped above cfg.slowMaxN
 * @property {(n: number) => Promise<number>} run sets up, times one command (the ms returned), checks, tears down
 */

/**
 * The ways of creating N detached sessions that run `sleep 100000`. Each `run(n)` sets up (untimed),
 * times exactly the one command a user would type, checks the result (untimed) and tears down.
 * @param {import('./env.mjs').BenchEnv} env
 * @param {import('./env.mjs').Tools} tools
 * @returns {Creator[]}
 */
export function creators(env, tools, { startSeconds }) {
  /** @type {Creator[]} */
  const list = [];
  list.push({
    id: 'node0',
    label: '`node -e 0`',
    run: async () => (await timed(process.execPath, ['-e', '0'])).ms,
  });
  list.push({
    id: 'raw',
    label: 'raw tmux, one client for all (`;`-chained)',
    run: async (n) => {
      return onFreshServer(env, 'raw', n, 'raw tmux', async (socket) => {
        const { ms } = await timed(env.tmux, rawBatchArgs(socket, names(n)), { env: env.env });
        return ms;
      });
    },
  });
  list.push({
    id: 'rawEach',
    label: 'raw tmux, one `new-session` client per session',
    run: async (n) => {
      return onFreshServer(env, 'each', n, 'raw tmux (one per session)', async (socket) => {
        const script = writeRawEachScript(path.join(env.dir('each'), `${socket}.sh`), env.tmux, socket, names(n));
        const { ms } = await timed('/bin/sh', [script], { env: env.env });
        return ms;
      });
    },
  });
  list.push({
    id: 'tmuxctl',
    label: '`tmuxctl apply`',
    run: async (n) => {
      return onFreshServer(env, 'apply', n, 'tmuxctl apply', async (socket) => {
        const dir = env.dir('apply', socket);
        const spec = writeTmuxctlSpec(path.join(dir, 'spec.yaml'), names(n), { startSeconds });
        const { ms, out } = await tmuxctl(env, socket, path.join(dir, 'state'), ['apply', '-f', spec]);
        if (!out.includes(`${n} created`)) throw new Error(`tmuxctl apply: unexpected output ${out.slice(-300)}`);
        return ms;
      });
    },
  });
  const scripts = new Map();
  list.push({
    id: 'replay',
    label: "tmuxctl's own tmux batch, replayed by one raw `tmux source-file -`",
    run: async (n) => {
      if (!scripts.has(n)) scripts.set(n, await captureBatch(env, n, startSeconds));
      return onFreshServer(env, 'replay', n, 'replayed batch', async (socket) => {
        const { ms } = await timed(env.tmux, ['-L', socket, 'start-server', ';', 'source-file', '-'], { env: env.env, input: scripts.get(n) });
        return ms;
      });
    },
  });
  if (tools.tmuxp) {
    list.push({
      id: 'tmuxp',
      label: '`tmuxp load -d` (all workspace files in one call)',
      slow: true,
      run: async (n) => {
        return onFreshServer(env, 'tmuxp', n, 'tmuxp', async (socket) => {
          const files = writeTmuxpWorkspaces(env.dir('tmuxp', socket), names(n));
          const { ms } = await timed(tools.tmuxp.path, ['load', '-y', '-d', '-L', socket, ...files], { env: { ...env.env, HOME: env.dir('home') } });
          return ms;
        });
      },
    });
  }
  if (tools.tmuxinator) {
    list.push({
      id: 'tmuxinator',
      label: '`tmuxinator start` (one project per session)',
      slow: true,
      run: async (n) => {
        return onFreshServer(env, 'tmuxinator', n, 'tmuxinator', async (socket) => {
          const script = writeTmuxinatorProjects(env.dir('tmuxinator', socket), tools.tmuxinator.path, socket, names(n));
          const { ms } = await timed('/bin/sh', [script], { env: { ...env.env, HOME: env.dir('home') } });
          return ms;
        });
      },
    });
  }
  if (tools.pm2) {
    const pm2 = pm2Daemon(env, tools.pm2.path);
    list.push({
      id: 'pm2',
      label: '`pm2 start ecosystem` (daemon warm)',
      run: async (n) => {
        const sleepBin = which('sleep');
        const eco = writePm2Ecosystem(path.join(env.dir('pm2-eco', String(n)), 'ecosystem.config.cjs'), names(n), {
          argv: () => [sleepBin, ...SLEEP_ARGV.slice(1)],
        });
        await pm2.ensure();
        const { ms } = await timed(tools.pm2.path, ['start', eco], { env: pm2.env });
        await pm2.clear();
        return ms;
      },
    });
  }
  return list;
}

/**
 * One timed run on a server of its own: `time` starts `n` sessions there and returns how long it took;
 * the sessions are counted (a tool that started fewer was not faster) and the server is killed.
 * @param {import('./env.mjs').BenchEnv} env
 * @param {string} prefix
 * @param {number} n
 * @param {string} what
 * @param {(socket: string) => Promise<number>} time
 */
async function onFreshServer(env, prefix, n, what, time) {
  const socket = env.newSocket(prefix);
  const ms = await time(socket);
  expectSessions(env, socket, n, what);
  env.killServer(socket);
  return ms;
}

/**
 * @typedef {object} Pm2Daemon
 * @property {NodeJS.ProcessEnv} env what every pm2 client of this daemon runs with (its PM2_HOME)
 * @property {string} home
 * @property {() => Promise<void>} ensure starts the daemon once
 * @property {() => Promise<void>} clear deletes every app
 * @property {() => Promise<void>} stop kills the daemon and its apps by their pids; ensure starts it again
 * @property {() => Promise<any[]>} jlist
 */

/**
 * One pm2 daemon with a private PM2_HOME, started on first use and killed at cleanup.
 * @param {import('./env.mjs').BenchEnv} env
 * @param {string} bin
 * @returns {Pm2Daemon}
 */
export function pm2Daemon(env, bin) {
  if (env.pm2) return env.pm2;
  const home = env.dir('pm2-home');
  const pmEnv = { ...env.env, PM2_HOME: home, HOME: env.dir('home') };
  let started = false;
  let cleanupSet = false;
  env.pm2 = {
    env: pmEnv,
    home,
    async ensure() {
      if (started) return;
      await timed(bin, ['ping'], { env: pmEnv });
      started = true;
      // stop() has no await: called from the (synchronous) cleanup, it has killed everything when it returns.
      if (!cleanupSet) env.onCleanup(() => void env.pm2?.stop());
      cleanupSet = true;
    },
    async clear() {
      await timed(bin, ['delete', 'all'], { env: pmEnv, check: false });
    },
    /**
     * `pm2 delete all` and `pm2 kill` of 1000 apps each take minutes, and a `pm2 kill` cut short by
     * its timeout left the daemon running after the bench. So: SIGKILL to the daemon (its pid from
     * PM2_HOME/pm2.pid), so that it restarts nothing, then to each of its children, the apps (pids read
     * from /proc before, never by name).
     */
    async stop() {
      if (!started) return;
      started = false;
      let pid;
      try {
        pid = Number(readFileSync(path.join(home, 'pm2.pid'), 'utf8').trim());
      } catch {
        return;
      }
      const apps = childrenOf(pid);
      for (const p of [pid, ...apps]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(path.join(home, 'pm2.pid'), { force: true });
    },
    async jlist() {
      const r = await timed(bin, ['jlist'], { env: pmEnv });
      return JSON.parse(r.out.slice(r.out.indexOf('[')));
    },
  };
  return env.pm2;
}

/**
 * The batch `tmuxctl apply` feeds to `tmux source-file -` for N sessions, captured once (untimed) by a
 * `tmux` shim first on PATH that copies that client's stdin to a file. Replaying it with a raw client
 * separates what tmux spends on tmuxctl's commands from what tmuxctl itself spends around them.
 * @param {import('./env.mjs').BenchEnv} env
 */
async function captureBatch(env, n, startSeconds) {
  const dir = env.dir('capture', String(n));
  const out = path.join(dir, 'batch.txt');
  const shim = path.join(dir, 'tmux');
  writeFileSync(shim, `#!/bin/sh\ncase "$*" in\n  *"source-file -") tee '${out}' | '${env.tmux}' "$@"; exit $? ;;\nesac\nexec '${env.tmux}' "$@"\n`);
  chmodSync(shim, 0o755);
  const socket = env.newSocket('capture');
  const spec = writeTmuxctlSpec(path.join(dir, 'spec.yaml'), names(n), { startSeconds });
  await tmuxctl(env, socket, path.join(dir, 'state'), ['apply', '-f', spec], { env: { ...env.env, PATH: `${dir}:${env.env.PATH}` } });
  env.killServer(socket);
  return readFileSync(out, 'utf8');
}
