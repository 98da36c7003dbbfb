import path from 'node:path';
import { FIXTURE, killNine, nextStart, nextStarts, saveOver, starts } from '../crash-fixture.mjs';
import { cliPath } from '../env.mjs';
import { names, writePm2Ecosystem, writeTmuxctlSpec } from '../fixtures.mjs';
import { sleep, timed, waitFor } from '../proc.mjs';
import { startWatchProcess } from '../watch-process.mjs';
import { formatBytes, formatMs, median, percentile } from '../stats.mjs';
import { pm2Daemon } from '../tools.mjs';
import { sampleTogether } from '../usage.mjs';

/**
 * Section 5: one `tmuxctl watch` supervising W sessions of the fixture, pm2 supervising the same
 * fixture as W apps alongside (autorestart, no delay) when installed.
 *  a. idle: CPU (own, and reaped children) and RSS sampled from /proc over cfg.idleSeconds;
 *  b. crashes: cfg.crashes `kill -9`s, round after round over the W sessions, each one a first
 *     restart (no backoff: the session ran at least `resetAfterSeconds` before it is killed), one
 *     tmuxctl crash and one pm2 crash in turn, which of the two goes first alternating;
 *  c. mass kill: the processes of min(W, 100) sessions killed by one `kill -9 p1 ... p100`, timed to
 *     the last replacement's start line, cfg.massKills times for each tool, in alternating order;
 *  d. edits: a session's env changed in the spec file, to its restarted process running;
 *  e. RSS again after all that, to see growth.
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
  // A run of resetSeconds resets the crash count: every crash below comes after at least that long,
  // so every restart is a first restart (immediate, no backoff), in tmuxctl as in pm2.
  const resetSeconds = cfg.crashResetSeconds;
  const writeSpec = (file) =>
    writeTmuxctlSpec(file, sessionNames, {
      command: fixture,
      startSeconds: 0,
      extra: (name) => [`env: {REV: "${revs.get(name)}"}`, `backoff: {initialSeconds: 1, maxSeconds: 300, resetAfterSeconds: ${resetSeconds}}`],
    });
  writeSpec(specFile);

  // Converge first with apply, so watch starts on a settled server.
  await timed(process.execPath, [cliPath, '-L', socket, '--state-dir', stateDir, 'apply', '-f', specFile], { env: env.env });
  const watch = startWatchProcess(env, socket, stateDir, path.join(dir, 'specs'), path.join(dir, 'watch.log'));
  await waitFor(() => sessionNames.every((s) => starts(path.join(startsDir, s)).length >= 1), { what: 'all sessions running', timeoutMs: 60_000 });
  await sleep(cfg.settleMs);

  // a. idle
  cfg.progress(`  idle: sampling watch (pid ${watch.pid}) with ${w} sessions for ${cfg.idleSeconds} s`);
  const idle = await sampleIdle(watch.pid, cfg.idleSeconds);
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
  const folder = { tmuxctl: startsDir, pm2: pm2Starts };
  const who = pm2 ? ['tmuxctl', 'pm2'] : ['tmuxctl'];
  /** Waits until every file's last start is at least resetSeconds old (+ a margin), so the next crash is a first restart. */
  const rested = async (files) => {
    const last = Math.max(...files.map((f) => starts(f).at(-1)?.at ?? 0));
    const wait = last + resetSeconds * 1000 + 300 - Date.now();
    if (wait > 0) await sleep(wait);
  };
  const crashes = { tmuxctl: [], pm2: [], missed: { tmuxctl: 0, pm2: 0 }, lost: { tmuxctl: 0, pm2: 0 } };
  const crashOnce = async (tool, file) => {
    await rested([file]);
    const before = starts(file);
    const kill = killNine(bash, before.at(-1).pid);
    let next = await nextStart(file, before.length, cfg.missAfterMs);
    if (!next) {
      crashes.missed[tool] += 1; // not seen by the fast path; the periodic resync may still repair it
      next = await nextStart(file, before.length, cfg.rescueMs);
      if (!next) {
        crashes.lost[tool] += 1;
        return;
      }
    }
    crashes[tool].push(next.at - kill);
  };
  const c = cfg.crashes;
  for (let i = 0; i < c; i++) {
    const name = sessionNames[i % w];
    const order = i % 2 === 0 ? who : [...who].reverse();
    for (const tool of order) await crashOnce(tool, path.join(folder[tool], name));
    await sleep(cfg.crashGapMs);
    if ((i + 1) % Math.max(10, Math.round(c / 20)) === 0)
      cfg.progress(
        `  crashes: ${i + 1}/${c}: tmuxctl median ${formatMs(median(crashes.tmuxctl))}, p99 ${formatMs(percentile(crashes.tmuxctl, 99))}` +
          `${pm2 ? `; pm2 median ${formatMs(median(crashes.pm2))}, p99 ${formatMs(percentile(crashes.pm2, 99))}` : ''}`,
      );
  }

  // c. many panes killed at once: one `kill -9` of all their processes
  const massN = Math.min(100, w);
  const mass = { tmuxctl: [], pm2: [], missing: { tmuxctl: 0, pm2: 0 } };
  for (let r = 0; r < cfg.massKills; r++) {
    const order = r % 2 === 0 ? who : [...who].reverse();
    for (const tool of order) {
      const files = sessionNames.slice(0, massN).map((s) => path.join(folder[tool], s));
      await rested(files);
      const counts = new Map(files.map((f) => [f, starts(f).length]));
      const pids = files.map((f) => starts(f).at(-1).pid);
      const kill = killNine(bash, ...pids);
      const got = await nextStarts(folder[tool], counts, cfg.missAfterMs);
      const missing = [...got.values()].filter((v) => v === undefined).length;
      if (missing) {
        mass.missing[tool] += missing;
        // let the resync repair them (untimed), so the next run starts from all running
        await nextStarts(folder[tool], new Map([...counts].filter(([f]) => got.get(f) === undefined)), cfg.rescueMs);
      } else mass[tool].push(Math.max(...[...got.values()].map((v) => v.at)) - kill);
      cfg.progress(
        `  ${massN} killed at once, run ${r + 1}/${cfg.massKills}, ${tool}: ${missing ? `${missing} not back within ${cfg.missAfterMs} ms` : `all back in ${formatMs(mass[tool].at(-1))}`}`,
      );
    }
  }
  if (pm2) await pm2.clear();

  // d. spec edits
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

  // e. idle again after all that: RSS must level off, not keep growing
  await sleep(cfg.settleMs);
  const idleAfter = await sampleIdle(watch.pid, cfg.idleAfterSeconds);
  cfg.progress(`  idle after activity: cpu ${idleAfter.cpuPercent.toFixed(3)}%, rss ${formatBytes(idleAfter.rssStart)} -> ${formatBytes(idleAfter.rssEnd)}`);
  await watch.stop();
  env.killServer(socket);

  return {
    sessions: w,
    resetSeconds,
    idle,
    idleAfter,
    crashes: {
      count: c,
      tmuxctl: summarise(crashes.tmuxctl),
      pm2: pm2 ? summarise(crashes.pm2) : undefined,
      missed: crashes.missed,
      lost: crashes.lost,
    },
    mass: {
      panes: massN,
      runs: cfg.massKills,
      tmuxctl: summarise(mass.tmuxctl),
      pm2: pm2 ? summarise(mass.pm2) : undefined,
      missing: mass.missing,
    },
    edits: summarise(edits),
    editsMissed: cfg.edits - edits.length,
  };
}

/**
 * CPU and RSS of a process over `seconds`, sampled every second. childCpuPercent is everything
 * under it: reaped children (tmux clients, flock) and live ones (a `tmux -C` control client, whose
 * time cutime would show only once it ends).
 */
async function sampleIdle(pid, seconds) {
  const r = (await sampleTogether({ watch: { pid } }, { seconds })).watch;
  return {
    seconds: r.seconds,
    cpuPercent: r.cpuPercent,
    childCpuPercent: r.treeCpuPercent - r.cpuPercent,
    rssStart: r.rssStart,
    rssEnd: r.rssEnd,
    rssMax: r.rssMax,
    treeRssMax: r.treeRssMax,
  };
}

export function summarise(xs) {
  return {
    n: xs.length,
    median: median(xs),
    p95: percentile(xs, 95),
    p99: percentile(xs, 99),
    max: xs.length ? Math.max(...xs) : NaN,
    min: xs.length ? Math.min(...xs) : NaN,
  };
}

const dist = (x) => `median ${formatMs(x.median)}, p95 ${formatMs(x.p95)}, p99 ${formatMs(x.p99)}, max ${formatMs(x.max)}`;

export function watchTable(d) {
  const rows = [];
  const c = d.crashes;
  const pm2 = c.pm2;
  rows.push([
    `crash → replacement running (kill -9, first restart), ${c.count} crashes`,
    `${dist(c.tmuxctl)}; missed ${c.missed.tmuxctl}, lost ${c.lost.tmuxctl}`,
    pm2 ? `pm2 autorestart: ${dist(pm2)}; missed ${c.missed.pm2}, lost ${c.lost.pm2}` : 'pm2 not installed: skipped',
    pm2 ? `${(c.tmuxctl.median / pm2.median).toFixed(2)}x pm2 (median)` : '',
  ]);
  const m = d.mass;
  if (m)
    rows.push([
      `${m.panes} killed at once (one kill -9 of ${m.panes} pids) → the last replacement running, ${m.runs} runs`,
      `median ${formatMs(m.tmuxctl.median)}, max ${formatMs(m.tmuxctl.max)} (${m.tmuxctl.n} runs); not back within 5 s: ${m.missing.tmuxctl}`,
      m.pm2 ? `pm2: median ${formatMs(m.pm2.median)}, max ${formatMs(m.pm2.max)}; not back within 5 s: ${m.missing.pm2}` : 'pm2 not installed: skipped',
      m.pm2 ? `${(m.tmuxctl.median / m.pm2.median).toFixed(2)}x pm2 (median)` : '',
    ]);
  rows.push([
    `spec saved → changed session's new process running, ${d.edits.n} edits`,
    `median ${formatMs(d.edits.median)}, p95 ${formatMs(d.edits.p95)}, max ${formatMs(d.edits.max)}${d.editsMissed ? `; ${d.editsMissed} not restarted within 10 s` : ''}`,
    'includes the 150 ms debounce of spec events',
    '',
  ]);
  rows.push([
    `idle, ${d.sessions} sessions, ${d.idle.seconds.toFixed(0)} s`,
    `CPU ${d.idle.cpuPercent.toFixed(3)}% of one core (+ ${d.idle.childCpuPercent.toFixed(3)}% in its tmux/flock children, live and reaped)`,
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
