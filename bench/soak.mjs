#!/usr/bin/env node
// npm run soak: `tmuxctl watch` over 200 panes (50 sessions × 4 panes) for 10 minutes, with one
// `kill -9` of a random pane's process every second and one spec edit every 10 s (one pane's env
// changed, so that pane restarts). Not part of npm test. Writes bench/out/soak.json and
// bench/out/SOAK.md; exits 0 when every target is met, 1 when one is missed, 3 when it could not run.
//
//   node bench/soak.mjs [--minutes N] [--sessions N] [--noisy-kib N]
//   env: SOAK_MINUTES, SOAK_SESSIONS, SOAK_NOISY_KIB (KiB a second one pane prints, so its log rotates; 0: none)
//
// Targets (issue 12): RSS of watch at the end ≤ RSS at minute 1 + 10%; no crash missed (a pane not
// running again within 5 s of its kill); events.log and every pane log within their rotation bounds;
// every edit converged (the edited pane's new process running within 10 s).
// Everything runs on a private tmux socket (-L) under a private TMUX_TMPDIR and state dir; every
// process it starts (watch, the tmux server and so its panes) is killed by pid at the end, and on Ctrl-C.
import { spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixtureArgv, killNine, nextStart, saveOver, starts } from './lib/crash-fixture.mjs';
import { BenchEnv, cliPath, detectTools, repoRoot } from './lib/env.mjs';
import { sleep, timed, waitFor } from './lib/proc.mjs';
import { formatBytes, formatMs, median, percentile } from './lib/stats.mjs';
import { childrenOf, treeUsage } from './lib/usage.mjs';

/** The caps, as src/session-log/files.ts (LOG_CAP_BYTES) and src/log/events.ts (EVENT_LOG_CAP_BYTES) set them: 10 MiB. */
const CAP = 10 * 1024 * 1024;
/** Slack for the line being written when a cap is crossed. */
const LINE_SLACK = 64 * 1024;
const MISS_AFTER_MS = 5000;
const RESCUE_MS = 40_000;
const EDIT_WITHIN_MS = 10_000;
/** A pane is killed or edited only once it has run this long: with the spec's resetAfterSeconds (10) below it, every restart is a first restart. */
const REST_MS = 15_000;

function parseArgs(argv) {
  const o = {
    minutes: Number(process.env.SOAK_MINUTES ?? 10),
    sessions: Number(process.env.SOAK_SESSIONS ?? 50),
    noisyKib: Number(process.env.SOAK_NOISY_KIB ?? 256),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--minutes') o.minutes = Number(argv[++i]);
    else if (a === '--sessions') o.sessions = Number(argv[++i]);
    else if (a === '--noisy-kib') o.noisyKib = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log(
        readFileSync(new URL(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 14)
          .join('\n')
          .replace(/^\/\/ ?/gm, ''),
      );
      process.exit(0);
    } else {
      console.error(`soak: unknown argument ${a} (allowed: --minutes N, --sessions N, --noisy-kib N)`);
      process.exit(2);
    }
  }
  for (const [k, v] of Object.entries(o))
    if (!Number.isFinite(v) || v < 0 || (k !== 'noisyKib' && v <= 0)) {
      console.error(`soak: --${k} must be a positive number, got ${v}`);
      process.exit(2);
    }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const log = (line) => process.stderr.write(`${line}\n`);
const PANES = 4;

const env = new BenchEnv();
/** @type {import('node:child_process').ChildProcess | undefined} */
let watch;
let watchExited = false;
let cleaned = false;
const cleanup = () => {
  if (cleaned) return;
  cleaned = true;
  if (watch && !watchExited) watch.kill('SIGTERM'); // by its pid
  env.cleanup(); // kill-server of our private socket (SIGKILL by the server's pid if it does not go), then the temp folder
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`soak: ${sig}, cleaning up`);
    cleanup();
    process.exit(130);
  });
}

try {
  process.exitCode = await soak();
} catch (e) {
  log(`soak: could not run: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 3;
} finally {
  cleanup();
}

async function soak() {
  const tools = detectTools();
  if (!tools.bash) throw new Error('bash with $EPOCHREALTIME (bash 5) is needed for the fixture');
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build`);
  const bash = tools.bash;
  const socket = env.newSocket('soak');
  const dir = env.dir('soak');
  const startsDir = env.dir('soak', 'starts');
  const state = env.dir('soak', 'state');
  const specDir = env.dir('soak', 'specs');
  const specFile = path.join(specDir, 'app.yaml');
  const tmpSpec = path.join(dir, 'app.yaml.next');

  /** Every pane: its session, its index in the window's panes, its start file, its REV. */
  const panes = [];
  for (let s = 0; s < opts.sessions; s++)
    for (let p = 0; p < PANES; p++) panes.push({ session: `s${s}`, index: p, file: path.join(startsDir, `s${s}.${p}`), rev: 0 });
  const noisy = opts.noisyKib > 0 ? panes[PANES - 1] : undefined;
  const q = (x) => JSON.stringify(String(x));
  const argvOf = (pane) => {
    if (pane !== noisy) return fixtureArgv(bash, pane.file);
    // Prints noisyKib KiB a second in lines of 200 characters, so its log reaches the cap and rotates.
    const loop = `echo "$$ $EPOCHREALTIME" >> "$0"; while :; do head -c ${opts.noisyKib * 1024} /dev/zero | tr '\\0' x | fold -w 200; echo; sleep 1; done`;
    return [bash, '-c', loop, pane.file];
  };
  const writeSpec = (file) => {
    const lines = ['version: 1', 'sessions:'];
    for (let s = 0; s < opts.sessions; s++) {
      lines.push(
        `  s${s}:`,
        '    startSeconds: 0',
        '    backoff: {initialSeconds: 1, maxSeconds: 60, resetAfterSeconds: 10}',
        '    windows:',
        '      - name: main',
        '        panes:',
      );
      for (const pane of panes.filter((x) => x.session === `s${s}`)) {
        lines.push(`          - command: [${argvOf(pane).map(q).join(', ')}]`);
        lines.push(`            env: {REV: "${pane.rev}"}`);
      }
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
  };
  writeSpec(specFile);

  const startedAt = new Date();
  log(
    `soak: ${opts.minutes} min, ${panes.length} panes (${opts.sessions} sessions × ${PANES}), a kill every 1 s, an edit every 10 s${noisy ? `, ${noisy.session}:main.${noisy.index} prints ${opts.noisyKib} KiB/s` : ''}`,
  );
  const r = await timed(process.execPath, [cliPath, '-L', socket, '--state-dir', state, 'apply', '-f', specFile], {
    env: env.env,
    check: false,
    timeoutMs: 300_000,
  });
  if (r.code !== 0) throw new Error(`apply exited ${r.code}: ${(r.err || r.out).trim().split('\n').at(-1)}`);
  await waitFor(() => panes.every((p) => starts(p.file).length >= 1), { what: 'every pane running', timeoutMs: 120_000 });
  const serverPid = env.serverPidOf(socket);
  if (!serverPid) throw new Error('could not find the tmux server of the private socket');

  // events.log grows by some 100 bytes an event: a soak would not reach its 10 MiB cap. It is padded
  // (with JSON lines marked soak-padding) to just under the cap before watch starts, so the soak
  // sees it rotate and can check both files against the bound.
  const eventsFile = path.join(state, 'events.log');
  const padTo = CAP - 16 * 1024;
  const have = existsSync(eventsFile) ? statSync(eventsFile).size : 0;
  if (have < padTo) {
    const line = `${JSON.stringify({ level: 'info', message: 'soak-padding', pad: 'x'.repeat(400), timestamp: new Date().toISOString() })}\n`;
    appendFileSync(eventsFile, line.repeat(Math.floor((padTo - have) / line.length)), { mode: 0o600 });
  }

  const watchLog = createWriteStream(path.join(dir, 'watch.log'));
  watch = spawn(process.execPath, [cliPath, '-L', socket, '--state-dir', state, 'watch', '-f', specDir], { env: env.env, stdio: ['ignore', 'ignore', 'pipe'] });
  watch.stderr?.pipe(watchLog);
  watch.on('exit', () => (watchExited = true));
  await sleep(3000);
  if (watchExited) throw new Error(`watch exited at start: see ${path.join(dir, 'watch.log')}`);
  log(`soak: watch pid ${watch.pid}, tmux server pid ${serverPid}`);

  const t0 = Date.now();
  const durationMs = opts.minutes * 60_000;
  /** @type {{ t: number, rss: number, treeRss: number, cpu: number }[]} */
  const rss = [];
  const descendants = {};
  /** Panes busy: killed or edited and not yet seen running again, or touched less than REST_MS ago. */
  const busy = new Set();
  const kills = [];
  const edits = [];
  const pending = [];

  const eligible = () => {
    const now = Date.now();
    return panes.filter((p) => !busy.has(p) && now - (starts(p.file).at(-1)?.at ?? now) >= REST_MS);
  };
  /** A pid we may kill: alive, and a child of our own tmux server (a pane's process). */
  const ours = (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === serverPid;
    } catch {
      return false;
    }
  };
  const countTree = (pid) => {
    let n = 0;
    const stack = childrenOf(pid);
    while (stack.length) {
      const c = stack.pop();
      n += 1;
      stack.push(...childrenOf(c));
    }
    return n;
  };

  const crash = (pane) => {
    const before = starts(pane.file);
    const pid = before.at(-1)?.pid;
    if (!pid || !ours(pid)) return false;
    busy.add(pane);
    const at = killNine(bash, pid);
    const rec = { pane: `${pane.session}:main.${pane.index}`, pid, t: (Date.now() - t0) / 1000, ms: undefined, missed: false, lost: false };
    kills.push(rec);
    pending.push(
      (async () => {
        let next = await nextStart(pane.file, before.length, MISS_AFTER_MS);
        if (!next) {
          rec.missed = true;
          log(`soak: ${rec.pane} (pid ${pid}) not running again within ${MISS_AFTER_MS} ms`);
          next = await nextStart(pane.file, before.length, RESCUE_MS);
          if (!next) rec.lost = true;
        }
        if (next) rec.ms = next.at - at;
        busy.delete(pane);
      })(),
    );
    return true;
  };
  const edit = (pane) => {
    busy.add(pane);
    const before = starts(pane.file).length;
    pane.rev += 1;
    writeSpec(tmpSpec);
    const at = saveOver(bash, tmpSpec, specFile);
    const rec = { pane: `${pane.session}:main.${pane.index}`, rev: pane.rev, t: (Date.now() - t0) / 1000, ms: undefined };
    edits.push(rec);
    pending.push(
      (async () => {
        const next = await nextStart(pane.file, before, EDIT_WITHIN_MS);
        if (next) rec.ms = next.at - at;
        else log(`soak: edit of ${rec.pane} (REV ${rec.rev}) not running within ${EDIT_WITHIN_MS} ms`);
        busy.delete(pane);
      })(),
    );
  };

  let lastReport = 0;
  for (let tick = 1; ; tick++) {
    const due = t0 + tick * 1000;
    if (due > t0 + durationMs) break;
    await sleep(Math.max(0, due - Date.now()));
    if (watchExited) break;
    const u = treeUsage(watch.pid);
    rss.push({ t: (Date.now() - t0) / 1000, rss: u.rss, treeRss: u.treeRss, cpu: u.tree });
    if (tick === 60 || (durationMs < 60_000 && tick === 1)) descendants.minute1 = { watch: countTree(watch.pid), server: countTree(serverPid) };
    if (tick % 10 === 0) {
      const candidates = eligible();
      if (candidates.length) edit(candidates[Math.floor(Math.random() * candidates.length)]);
    }
    const candidates = eligible();
    // a pane whose pid is not ours (a restart under way) is skipped: try the next candidate
    for (let tries = 0; tries < 5 && candidates.length; tries++) {
      const i = Math.floor(Math.random() * candidates.length);
      if (crash(candidates[i])) break;
      candidates.splice(i, 1);
    }
    if (Date.now() - lastReport >= 30_000) {
      lastReport = Date.now();
      const done = kills.filter((k) => k.ms !== undefined).map((k) => k.ms);
      log(
        `soak: ${Math.round((Date.now() - t0) / 1000)} s: ${kills.length} kills (median ${formatMs(median(done))}, ${kills.filter((k) => k.missed).length} missed), ` +
          `${edits.length} edits, watch RSS ${formatBytes(u.rss)}`,
      );
    }
  }
  const endedAt = (Date.now() - t0) / 1000;
  descendants.end = watchExited ? undefined : { watch: countTree(watch.pid), server: countTree(serverPid) };
  await Promise.all(pending);
  const watchAlive = !watchExited;

  // RSS: the median of the samples in the 10 s before minute 1, and in the last 10 s.
  const minute = Math.min(60, endedAt / 2);
  const rssMinute1 = median(rss.filter((x) => x.t > minute - 10 && x.t <= minute).map((x) => x.rss));
  const rssEnd = median(rss.filter((x) => x.t > endedAt - 10).map((x) => x.rss));
  const cpuSeconds = rss.length > 1 ? rss.at(-1).cpu - rss[0].cpu : NaN;

  const logs = checkLogs(state);
  const crashMs = kills.filter((k) => k.ms !== undefined).map((k) => k.ms);
  const editMs = edits.filter((e) => e.ms !== undefined).map((e) => e.ms);
  const result = {
    startedAt: startedAt.toISOString(),
    minutes: opts.minutes,
    seconds: endedAt,
    sessions: opts.sessions,
    panes: panes.length,
    shape: `${opts.sessions} sessions × ${PANES} panes`,
    noisy: noisy ? { pane: `${noisy.session}:main.${noisy.index}`, kibPerSecond: opts.noisyKib } : undefined,
    machine: {
      loadAverage: (await import('node:os'))
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' '),
    },
    watchAlive,
    rss: {
      minute1: rssMinute1,
      end: rssEnd,
      max: Math.max(...rss.map((x) => x.rss)),
      allowed: rssMinute1 * 1.1,
      treeMax: Math.max(...rss.map((x) => x.treeRss)),
      samples: rss.map((x) => [Math.round(x.t), x.rss]),
    },
    cpu: { seconds: cpuSeconds, percent: (cpuSeconds / endedAt) * 100 },
    descendants,
    crashes: {
      count: kills.length,
      missed: kills.filter((k) => k.missed).length,
      lost: kills.filter((k) => k.lost).length,
      median: median(crashMs),
      p95: percentile(crashMs, 95),
      p99: percentile(crashMs, 99),
      max: crashMs.length ? Math.max(...crashMs) : NaN,
      missedPanes: kills.filter((k) => k.missed).map((k) => `${k.pane} at ${k.t.toFixed(0)} s`),
    },
    edits: {
      count: edits.length,
      converged: editMs.length,
      median: median(editMs),
      max: editMs.length ? Math.max(...editMs) : NaN,
    },
    logs,
  };
  const checks = [
    { what: 'watch running to the end', ok: watchAlive, detail: watchAlive ? 'yes' : `exited (see its log)` },
    {
      what: 'RSS of watch: end (median of the last 10 s) ≤ minute 1 + 10%',
      ok: rssEnd <= rssMinute1 * 1.1,
      detail: `${formatBytes(rssMinute1)} at ${minute.toFixed(0)} s (median of the 10 s before) → ${formatBytes(rssEnd)} at the end (allowed ${formatBytes(rssMinute1 * 1.1)}; max ${formatBytes(result.rss.max)})`,
    },
    {
      what: 'crashes missed (not running again within 5 s)',
      ok: result.crashes.missed === 0 && kills.length > 0,
      detail: `${result.crashes.missed} of ${kills.length} (${result.crashes.lost} never back); latency median ${formatMs(result.crashes.median)}, p99 ${formatMs(result.crashes.p99)}, max ${formatMs(result.crashes.max)}`,
    },
    {
      what: 'edits converged (edited pane running again within 10 s)',
      ok: result.edits.converged === edits.length && edits.length > 0,
      detail: `${result.edits.converged} of ${edits.length}; median ${formatMs(result.edits.median)}, max ${formatMs(result.edits.max)}`,
    },
    {
      what: `events.log within its bound (each file ≤ ${formatBytes(CAP)} + one line)`,
      ok: logs.events.ok,
      detail: `events.log ${formatBytes(logs.events.size)}, events.log.1 ${logs.events.rotated ? formatBytes(logs.events.size1) : 'absent'}${logs.events.rotated ? ' (rotated during the soak)' : ' (not rotated)'}`,
    },
    {
      what: `pane logs within their bound (each file ≤ 2 × ${formatBytes(CAP)}, a pane's two ≤ 3 × ${formatBytes(CAP)})`,
      ok: logs.panes.ok,
      detail: `${logs.panes.count} logs, largest file ${formatBytes(logs.panes.maxFile)}, largest pair ${formatBytes(logs.panes.maxPair)} (${logs.panes.maxPairName}); ${logs.panes.rotated} rotated${noisy ? ` (the noisy pane's: ${logs.panes.noisyRotated ? 'yes' : 'no'})` : ''}`,
    },
  ];
  if (noisy && !logs.panes.noisyRotated)
    checks.push({ what: "the noisy pane's log rotated", ok: false, detail: 'it never reached the cap: the rotation bound was not exercised' });
  result.checks = checks;
  result.met = checks.every((c) => c.ok);

  const outDir = path.join(repoRoot, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'SOAK.md'), renderSoak(result));
  console.log(renderSoak(result));
  log(`soak: wrote bench/out/soak.json and bench/out/SOAK.md: ${result.met ? 'all targets met' : 'MISSED'}`);
  return result.met ? 0 : 1;
}

/** Sizes of events.log[.1] and of every pane log (NAME.log and its NAME.log.1) against their bounds. */
function checkLogs(state) {
  const size = (f) => (existsSync(f) ? statSync(f).size : 0);
  const events = { size: size(path.join(state, 'events.log')), size1: size(path.join(state, 'events.log.1')) };
  events.rotated = existsSync(path.join(state, 'events.log.1'));
  events.ok = events.size <= CAP + LINE_SLACK && events.size1 <= CAP + LINE_SLACK;
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  const logsDir = path.join(state, 'logs');
  if (existsSync(logsDir)) walk(logsDir);
  const bases = [...new Set(files.filter((f) => /\.log(\.1)?$/.test(f)).map((f) => f.replace(/\.1$/, '')))];
  let maxFile = 0;
  let maxPair = 0;
  let maxPairName = '';
  let rotated = 0;
  for (const b of bases) {
    const a = size(b);
    const one = size(`${b}.1`);
    if (existsSync(`${b}.1`)) rotated += 1;
    maxFile = Math.max(maxFile, a, one);
    if (a + one > maxPair) {
      maxPair = a + one;
      maxPairName = path.basename(b);
    }
  }
  // Leftover chunks of the writer (NAME.log.000000001 ...) are not expected: it appends each chunk to NAME.log.
  const strays = files.filter((f) => !/\.log(\.1)?$/.test(f)).map((f) => path.basename(f));
  const noisyRotated = bases.some((b) => /s0:main\.3\.log$/.test(b) && existsSync(`${b}.1`));
  const panes = {
    count: bases.length,
    maxFile,
    maxPair,
    maxPairName,
    rotated,
    noisyRotated,
    strays,
    ok: maxFile <= 2 * CAP + LINE_SLACK && maxPair <= 3 * CAP + LINE_SLACK,
  };
  return { events, panes, ok: events.ok && panes.ok };
}

function renderSoak(r) {
  const lines = [
    '# Soak (npm run soak)',
    '',
    `${r.startedAt}: \`tmuxctl watch\` over ${r.panes} panes (${r.shape}) for ${(r.seconds / 60).toFixed(1)} min, one \`kill -9\` of a random pane's process every second ` +
      `(a pane that ran at least 15 s, so every restart is a first restart: the spec sets \`backoff.resetAfterSeconds: 10\`), one spec edit every 10 s ` +
      `(one pane's \`env\` changed, so it alone restarts)${r.noisy ? `; pane ${r.noisy.pane} prints ${r.noisy.kibPerSecond} KiB/s so its log reaches the 10 MiB cap` : ''}. ` +
      'events.log is padded to just under its cap before watch starts, so it rotates during the soak. Load average at the end: ' +
      `${r.machine.loadAverage}.`,
    '',
    '| check | measured | verdict |',
    '| --- | --- | --- |',
    ...r.checks.map((c) => `| ${c.what} | ${c.detail.replace(/\|/g, '\\|')} | ${c.ok ? 'met' : 'MISSED'} |`),
    '',
    `watch's CPU over the soak (with its children): ${r.cpu.percent.toFixed(2)}% of one core. Processes under watch: ${r.descendants.minute1?.watch ?? '-'} at minute 1, ${r.descendants.end?.watch ?? '-'} at the end; ` +
      `under the tmux server: ${r.descendants.minute1?.server ?? '-'} and ${r.descendants.end?.server ?? '-'}.`,
    '',
    `Verdict: ${r.met ? 'all targets met' : 'MISSED'}.`,
    '',
  ];
  return lines.join('\n');
}
