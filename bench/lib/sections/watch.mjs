import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, watch as fsWatch } from 'node:fs';
import path from 'node:path';
import { cliPath } from '../env.mjs';
import { names, writePm2Ecosystem, writeTmuxctlSpec } from '../fixtures.mjs';
import { pm2Daemon } from '../tools.mjs';
import { sleep, timed, waitFor } from '../proc.mjs';
import { formatBytes, formatMs, median, percentile } from '../stats.mjs';

/**
 * The fixture every supervised process runs, in both tmuxctl and pm2: bash appends "PID START" to a
 * file named after the session, START being bash's $EPOCHREALTIME (no fork, microseconds), then
 * execs sleep in place, so PID is the supervised process. A replacement is "running" when its line
 * is there; its latency is measured on one clock (bash's), from the `kill -9` to that line.
 */
const FIXTURE = 'echo "$$ $EPOCHREALTIME" >> "$0"; exec sleep 1000000';

function starts(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pid, at] = l.split(' ');
      return { pid: Number(pid), at: Number(at) * 1000 };
    });
}

/** Resolves with the (count+1)-th start line of `file`, woken by inotify on its folder (polls as a fallback). */
function nextStart(file, count, timeoutMs) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      watcher.close();
      clearInterval(poll);
      clearTimeout(timer);
      resolve(v);
    };
    const check = () => {
      const s = starts(file);
      if (s.length > count) finish(s[count]);
    };
    const watcher = fsWatch(path.dirname(file), check);
    const poll = setInterval(check, 100);
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    check();
  });
}

/** `kill -9 PID` from bash, returning the kill time on bash's clock (the one the fixture writes). */
function killNine(bash, pid) {
  const r = spawnSync(bash, ['-c', 'echo $EPOCHREALTIME; kill -9 "$1"', '_', String(pid)], { encoding: 'utf8' });
  return Number(r.stdout.trim()) * 1000;
}

/** Copies `from` over `to` in place (truncate and write, as an editor saving in place), returning when it was written, on bash's clock. */
function saveOver(bash, from, to) {
  const r = spawnSync(bash, ['-c', 'cat "$1" > "$2"; echo $EPOCHREALTIME', '_', from, to], { encoding: 'utf8' });
  return Number(r.stdout.trim()) * 1000;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime+stime (own) and cutime+cstime (reaped children) in seconds, and VmRSS in bytes. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = (Number(f[11]) + Number(f[12])) / CLK_TCK;
  const children = (Number(f[13]) + Number(f[14])) / CLK_TCK;
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  return { own, children, rss };
}

/**
 * Section 5: one `tmuxctl watch` supervising W sessions of the fixture.
 *  a. idle: CPU (own, and reaped children) and RSS sampled from /proc over cfg.idleSeconds;
 *  b. crashes: `kill -9` of each session's process once (so every restart is a first restart, with
 *     no backoff), side by side with pm2 autorestart of the same fixture when pm2 is installed;
 *  c. edits: a session's env changed in the spec file, to its restarted process running;
 *  d. RSS again after all that, to see growth.
 * @param {import('../env.mjs').BenchEnv} env
 * @param {import('../env.mjs').Tools} tools
 */
export async function watchSection(env, tools, cfg) {
  if (!tools.bash) return { skipped: 'bash with $EPOCHREALTIME (bash 5) is needed for the crash fixture' };
  const bash = tools.bash;
  const w = cfg.watchSessions;
  const socket = env.newSocket('watch');
  const dir = env.dir('watch');
  const startsDir = env.dir('watch', 'starts');
  const stateDir = env.dir('watch', 'state');
  const specFile = path.join(dir, 'specs', 'app.yaml');
  env.dir('watch', 'specs');
  const sessionNames = names(w);
  const revs = new Map(sessionNames.map((s) => [s, 0]));
  const fixture = (name) => [bash, '-c', FIXTURE, path.join(startsDir, name)];
  const writeSpec = (file) =>
    writeTmuxctlSpec(file, sessionNames, {
      command: fixture,
      startSeconds: 0,
      extra: (name) => [`env: {REV: "${revs.get(name)}"}`],
    });
  writeSpec(specFile);

  // Converge first with apply, so watch starts on a settled server.
  await timed(process.execPath, [cliPath, '-L', socket, '--state-dir', stateDir, 'apply', '-f', specFile], { env: env.env });
  const log = createWriteStream(path.join(dir, 'watch.log'));
  const child = spawn(process.execPath, [cliPath, '-L', socket, '--state-dir', stateDir, 'watch', '-f', path.join(dir, 'specs')], {
    env: env.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.pipe(log);
  let exited = false;
  child.on('exit', () => (exited = true));
  env.onCleanup(() => {
    if (!exited) child.kill('SIGTERM');
  });
  await waitFor(() => sessionNames.every((s) => starts(path.join(startsDir, s)).length >= 1), { what: 'all sessions running', timeoutMs: 60_000 });
  await sleep(cfg.settleMs);

  // a. idle
  cfg.progress(`  idle: sampling watch (pid ${child.pid}) with ${w} sessions for ${cfg.idleSeconds} s`);
  const idle = await sampleIdle(child.pid, cfg.idleSeconds);
  cfg.progress(
    `  idle: cpu ${idle.cpuPercent.toFixed(3)}% (+children ${idle.childCpuPercent.toFixed(3)}%), rss ${formatBytes(idle.rssStart)} -> ${formatBytes(idle.rssEnd)}`,
  );

  // b. crashes, side by side with pm2
  let pm2;
  const pm2Starts = env.dir('watch', 'pm2-starts');
  if (tools.pm2) {
    pm2 = pm2Daemon(env, tools.pm2.path);
    await pm2.ensure();
    await pm2.clear();
    const eco = writePm2Ecosystem(path.join(env.dir('watch', 'pm2'), 'ecosystem.config.cjs'), sessionNames, {
      argv: (name) => [bash, '-c', FIXTURE, path.join(pm2Starts, name)],
    });
    await timed(tools.pm2.path, ['start', eco], { env: pm2.env });
    await waitFor(() => sessionNames.every((s) => starts(path.join(pm2Starts, s)).length >= 1), { what: 'pm2 apps running', timeoutMs: 60_000 });
  }
  const crashes = { tmuxctl: [], pm2: [], missed: { tmuxctl: 0, pm2: 0 }, lost: { tmuxctl: 0, pm2: 0 } };
  const crashOnce = async (who, file) => {
    const before = starts(file);
    const kill = killNine(bash, before.at(-1).pid);
    let next = await nextStart(file, before.length, cfg.missAfterMs);
    if (!next) {
      crashes.missed[who] += 1; // not seen by the fast path; the periodic resync may still repair it
      next = await nextStart(file, before.length, cfg.rescueMs);
      if (!next) {
        crashes.lost[who] += 1;
        return;
      }
    }
    crashes[who].push(next.at - kill);
  };
  const c = Math.min(cfg.crashes, w);
  for (let i = 0; i < c; i++) {
    const name = sessionNames[i];
    await crashOnce('tmuxctl', path.join(startsDir, name));
    if (pm2) await crashOnce('pm2', path.join(pm2Starts, name));
    await sleep(cfg.crashGapMs);
    if ((i + 1) % 10 === 0)
      cfg.progress(
        `  crashes: ${i + 1}/${c}: tmuxctl median ${formatMs(median(crashes.tmuxctl))}${pm2 ? `, pm2 median ${formatMs(median(crashes.pm2))}` : ''}`,
      );
  }
  if (pm2) await pm2.clear();

  // c. spec edits
  const edits = [];
  const tmp = path.join(dir, 'app.yaml.next');
  for (let i = 0; i < cfg.edits; i++) {
    const name = sessionNames[(i * 7) % w];
    const file = path.join(startsDir, name);
    const before = starts(file).length;
    revs.set(name, revs.get(name) + 1);
    writeSpec(tmp);
    const written = saveOver(bash, tmp, specFile);
    const next = await nextStart(file, before, 10_000);
    if (next) edits.push(next.at - written);
    else cfg.progress(`  edit ${i}: ${name} not restarted within 10 s`);
    await sleep(cfg.editGapMs);
  }
  cfg.progress(`  edits: median ${formatMs(median(edits))}`);

  // d. idle again after all that: RSS must level off, not keep growing
  await sleep(cfg.settleMs);
  const idleAfter = await sampleIdle(child.pid, cfg.idleAfterSeconds);
  cfg.progress(`  idle after activity: cpu ${idleAfter.cpuPercent.toFixed(3)}%, rss ${formatBytes(idleAfter.rssStart)} -> ${formatBytes(idleAfter.rssEnd)}`);
  child.kill('SIGTERM');
  await new Promise((r) => (exited ? r() : child.on('exit', r)));
  env.killServer(socket);

  return {
    sessions: w,
    idle,
    idleAfter,
    crashes: {
      count: c,
      tmuxctl: summarise(crashes.tmuxctl),
      pm2: pm2 ? summarise(crashes.pm2) : undefined,
      missed: crashes.missed,
      lost: crashes.lost,
    },
    edits: summarise(edits),
  };
}

/** CPU (own, and reaped children) and RSS of a process over `seconds`, sampled every second. */
async function sampleIdle(pid, seconds) {
  const samples = [];
  const t0 = performance.now();
  samples.push({ t: 0, ...usage(pid) });
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(1000);
    samples.push({ t: (performance.now() - t0) / 1000, ...usage(pid) });
  }
  const [u0, u1] = [samples[0], samples.at(-1)];
  return {
    seconds: u1.t,
    cpuPercent: ((u1.own - u0.own) / u1.t) * 100,
    childCpuPercent: ((u1.children - u0.children) / u1.t) * 100,
    rssStart: u0.rss,
    rssEnd: u1.rss,
    rssMax: Math.max(...samples.map((x) => x.rss)),
  };
}

function summarise(xs) {
  return { n: xs.length, median: median(xs), p95: percentile(xs, 95), max: xs.length ? Math.max(...xs) : NaN, min: xs.length ? Math.min(...xs) : NaN };
}

export function watchTable(d) {
  const rows = [];
  const c = d.crashes;
  const pm2 = c.pm2;
  rows.push([
    `crash → replacement running (kill -9, first restart), ${c.count} crashes`,
    `median ${formatMs(c.tmuxctl.median)}, p95 ${formatMs(c.tmuxctl.p95)}, max ${formatMs(c.tmuxctl.max)}; missed ${c.missed.tmuxctl}, lost ${c.lost.tmuxctl}`,
    pm2
      ? `pm2 autorestart: median ${formatMs(pm2.median)}, p95 ${formatMs(pm2.p95)}, max ${formatMs(pm2.max)}; missed ${c.missed.pm2}`
      : 'pm2 not installed: skipped',
    pm2 ? `${(c.tmuxctl.median / pm2.median).toFixed(2)}x pm2 (median)` : '',
  ]);
  rows.push([
    `spec saved → restarted session running, ${d.edits.n} edits`,
    `median ${formatMs(d.edits.median)}, p95 ${formatMs(d.edits.p95)}, max ${formatMs(d.edits.max)}`,
    'includes the 150 ms debounce of spec events',
    '',
  ]);
  rows.push([
    `idle, ${d.sessions} sessions, ${d.idle.seconds.toFixed(0)} s`,
    `CPU ${d.idle.cpuPercent.toFixed(3)}% of one core (+ ${d.idle.childCpuPercent.toFixed(3)}% in its tmux/flock children)`,
    `RSS ${formatBytes(d.idle.rssStart)} → ${formatBytes(d.idle.rssEnd)} (max ${formatBytes(d.idle.rssMax)})`,
    '',
  ]);
  rows.push([
    `idle again after the crashes and edits, ${d.idleAfter.seconds.toFixed(0)} s`,
    `CPU ${d.idleAfter.cpuPercent.toFixed(3)}% of one core (+ ${d.idleAfter.childCpuPercent.toFixed(3)}% in children)`,
    `RSS ${formatBytes(d.idleAfter.rssStart)} → ${formatBytes(d.idleAfter.rssEnd)} (max ${formatBytes(d.idleAfter.rssMax)})`,
    '',
  ]);
  return { columns: ['what', 'tmuxctl watch', 'baseline / detail', 'ratio'], rows };
}
