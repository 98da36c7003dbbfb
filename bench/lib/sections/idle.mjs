import { readFileSync } from 'node:fs';
import path from 'node:path';
import { which } from '../env.mjs';
import { names, SLEEP_ARGV, writePm2Ecosystem, writeTmuxctlSpec } from '../fixtures.mjs';
import { sleep, timed } from '../proc.mjs';
import { startWatchProcess } from '../watch-process.mjs';
import { formatBytes, formatRatio } from '../stats.mjs';
import { pm2Daemon } from '../tools.mjs';
import { sampleTogether, treeUsage } from '../usage.mjs';
import { buildIncrementally, countPanes } from './scale.mjs';

/**
 * Waits until a process (with its tree) has used less than `quietPercent` of a core over each of
 * `quietSeconds` consecutive seconds: watch's first pass over 1000 panes, pm2 starting 1000 apps.
 */
async function settled(pid, { live = true, quietPercent = 3, quietSeconds = 3, timeoutMs = 180_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let prev = treeUsage(pid, { live }).tree;
  while (quiet < quietSeconds && Date.now() < deadline) {
    await sleep(1000);
    const now = treeUsage(pid, { live }).tree;
    quiet = (now - prev) * 100 < quietPercent ? quiet + 1 : 0;
    prev = now;
  }
  return quiet >= quietSeconds;
}

/**
 * Section 9 (issue 12): idle cost at size. `tmuxctl watch` over cfg.idlePanes one-pane sessions
 * running `sleep 100000`, and pm2's daemon with as many apps running the same, both up and idle in
 * the same window of cfg.idle1000Seconds, sampled together every second from /proc: watch with
 * everything under it (its tmux clients and flock, live and reaped), pm2's daemon with its reaped
 * children (its live children are the apps); the tmux server's CPU alongside, as information.
 * @param {import('../env.mjs').BenchEnv} env
 * @param {import('../env.mjs').Tools} tools
 */
export async function idleSection(env, tools, cfg) {
  const n = cfg.idlePanes;
  const list = names(n);
  const socket = env.newSocket('idle');
  const dir = env.dir('idle');
  const state = path.join(dir, 'state');
  env.dir('idle', 'specs');
  const spec = path.join(dir, 'specs', 'app.yaml');
  const t0 = performance.now();
  await buildIncrementally(env, socket, state, spec, list, (file, l) => writeTmuxctlSpec(file, l, { startSeconds: 0 }));
  const panes = countPanes(env, socket);
  cfg.progress(`  ${panes} panes built in ${((performance.now() - t0) / 1000).toFixed(0)} s (untimed set-up)`);

  const watch = startWatchProcess(env, socket, state, path.join(dir, 'specs'), path.join(dir, 'watch.log'));

  let pm2;
  let pm2Pid;
  if (tools.pm2) {
    pm2 = pm2Daemon(env, tools.pm2.path);
    await pm2.ensure();
    await pm2.clear();
    const sleepBin = which('sleep');
    const eco = writePm2Ecosystem(path.join(env.dir('idle', 'pm2'), 'ecosystem.config.cjs'), list, { argv: () => [sleepBin, ...SLEEP_ARGV.slice(1)] });
    const t1 = performance.now();
    await timed(tools.pm2.path, ['start', eco], { env: pm2.env, timeoutMs: 600_000 });
    pm2Pid = Number(readFileSync(path.join(pm2.home, 'pm2.pid'), 'utf8').trim());
    cfg.progress(`  pm2: ${n} apps started in ${((performance.now() - t1) / 1000).toFixed(0)} s (daemon pid ${pm2Pid})`);
  }
  const quietWatch = await settled(watch.pid);
  const quietPm2 = pm2Pid ? await settled(pm2Pid, { live: false }) : true;
  if (!quietWatch || !quietPm2)
    cfg.progress(`  not quiet after 3 min: watch ${quietWatch ? 'quiet' : 'busy'}, pm2 ${quietPm2 ? 'quiet' : 'busy'}; sampling anyway`);
  await sleep(cfg.settleMs);
  if (watch.exited()) throw new Error(`watch over ${n} panes exited early: see ${path.join(dir, 'watch.log')}`);

  const serverPid = env.serverPidOf(socket);
  const pids = { watch: { pid: watch.pid } };
  if (pm2Pid) pids.pm2 = { pid: pm2Pid, live: false };
  if (serverPid) pids.tmux = { pid: serverPid, live: false };
  cfg.progress(`  idle: sampling watch (pid ${watch.pid})${pm2Pid ? ` and pm2's daemon (pid ${pm2Pid})` : ''} together for ${cfg.idle1000Seconds} s`);
  const s = await sampleTogether(pids, { seconds: cfg.idle1000Seconds });
  cfg.progress(
    `  idle ${n} panes: watch ${s.watch.treeCpuPercent.toFixed(3)}% (own ${s.watch.cpuPercent.toFixed(3)}%), RSS max ${formatBytes(s.watch.rssMax)}` +
      `${s.pm2 ? `; pm2 daemon ${s.pm2.treeCpuPercent.toFixed(3)}%, RSS max ${formatBytes(s.pm2.rssMax)}` : ''}${s.tmux ? `; tmux server ${s.tmux.treeCpuPercent.toFixed(3)}%` : ''}`,
  );

  await watch.stop();
  if (pm2) await pm2.stop(); // `delete all` of 1000 apps takes minutes
  env.killServer(socket);
  return { panes: n, seconds: cfg.idle1000Seconds, watch: s.watch, pm2: s.pm2, tmux: s.tmux, pm2Version: tools.pm2?.version };
}

export function idleTable(d) {
  const row = (label, x, what) => [
    label,
    x ? `${x.treeCpuPercent.toFixed(3)}%` : 'skipped',
    x ? `${x.cpuPercent.toFixed(3)}%` : '',
    x ? `${formatBytes(x.rssStart)} → ${formatBytes(x.rssEnd)} (max ${formatBytes(x.rssMax)})` : '',
    what,
  ];
  return {
    caption: `${d.panes} panes (one-pane sessions running \`sleep 100000\`) and ${d.panes} pm2 apps running the same, idle, sampled together for ${d.seconds} s`,
    columns: ['process', 'CPU (% of one core, with children)', 'own CPU', 'RSS', 'what is counted'],
    rows: [
      row('`tmuxctl watch`', d.watch, `its own time, and its tmux/flock children's, live and reaped (up to ${d.watch.descendantsMax} at a time)`),
      row(`pm2 ${d.pm2Version ?? ''} daemon`, d.pm2, "its own time and its reaped children's (its live children are the apps)"),
      row('tmux server (information)', d.tmux, 'the server the panes live in: what the nudges and wake-ups cost it'),
    ],
  };
}

export function idleTargets(d, add) {
  const w = d.watch;
  if (d.pm2)
    add({
      what: `idle watch, ${d.panes} panes, ${d.seconds} s: CPU`,
      target: "≤ pm2 daemon's, 1000 apps, same window",
      measured: `${w.treeCpuPercent.toFixed(3)}% of one core`,
      baseline: `pm2 ${d.pm2.treeCpuPercent.toFixed(3)}%`,
      ratio: formatRatio(w.treeCpuPercent / d.pm2.treeCpuPercent),
      met: w.treeCpuPercent <= d.pm2.treeCpuPercent,
    });
  else
    add({
      what: `idle watch, ${d.panes} panes: CPU`,
      target: "≤ pm2 daemon's",
      measured: `${w.treeCpuPercent.toFixed(3)}%`,
      baseline: 'pm2 not installed',
      ratio: '',
      met: undefined,
    });
  add({
    what: `idle watch, ${d.panes} panes: RSS`,
    target: '≤ 100 MB',
    measured: `${formatBytes(w.rssMax)} max (with its children ${formatBytes(w.treeRssMax)})`,
    baseline: d.pm2 ? `pm2 daemon ${formatBytes(d.pm2.rssMax)}` : '',
    ratio: formatRatio(w.rssMax / (100 * 1024 * 1024)),
    met: w.rssMax <= 100 * 1024 * 1024,
  });
}
