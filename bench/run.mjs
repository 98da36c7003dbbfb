#!/usr/bin/env node
// npm run bench: builds, then measures tmuxctl against raw tmux and the tools people use today.
// Prints a table and writes BENCHMARKS.md (a full run of every section) or bench/out/ (otherwise).
//
//   node bench/run.mjs [--quick] [--sections cold,start,noop,spawns,watch,startup,layout,scale,idle,hosts] [--runs N] [--n 1,10,100]
//   node bench/run.mjs --report-only   (re-renders the report from bench/out/results.json, measuring nothing)
//   env: BENCH_SECTIONS, BENCH_RUNS, BENCH_N, BENCH_QUICK=1, BENCH_NOTE (a line for the report),
//        BENCH_PM2 (path of a pm2 binary), BENCH_IDLE_SECONDS, BENCH_CRASHES, BENCH_LAYOUT_N (sessions of 4 panes),
//        BENCH_MASS_KILLS (runs of 100 killed at once), BENCH_IDLE_PANES (default 1000), BENCH_HOST_CRASHES,
//        BENCH_HOSTS_BASE (another build's dist/cli/main.js: its no-op over hosts measured alongside),
//        BENCH_HOST_CPU (the CPU quota of each fake host in the capped cold rows, in cores: default 0.5; off for none)
//   The hosts section (issue 13) runs as root only: it makes throw-away accounts with an sshd each on 127.0.0.1.
//
// It installs nothing. tmuxp, tmuxinator and pm2 are compared when installed (`apt-get install tmuxp
// tmuxinator`; `npm i --prefix bench/.scratch pm2`, a folder git ignores), and reported as skipped otherwise.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BenchEnv, cliPath, detectTools, repoRoot } from './lib/env.mjs';
import { renderMarkdown, renderText } from './lib/report.mjs';
import { coldApply } from './lib/sections/apply.mjs';
import { layoutSection } from './lib/sections/layout.mjs';
import { noopSection } from './lib/sections/noop.mjs';
import { hostsSection } from './lib/sections/hosts.mjs';
import { idleSection } from './lib/sections/idle.mjs';
import { scaleSection } from './lib/sections/scale.mjs';
import { spawnsSection } from './lib/sections/spawns.mjs';
import { startupSection } from './lib/sections/startup.mjs';
import { watchSection } from './lib/sections/watch.mjs';

const ALL = ['cold', 'start', 'noop', 'spawns', 'watch', 'startup', 'layout', 'scale', 'idle', 'hosts'];

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--sections') o.sections = argv[++i];
    else if (a === '--runs') o.runs = argv[++i];
    else if (a === '--n') o.n = argv[++i];
    else if (a === '--report-only') o.reportOnly = true;
    else if (a === '--help' || a === '-h') {
      console.log(
        readFileSync(new URL(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 15)
          .join('\n')
          .replace(/^\/\/ ?/gm, ''),
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const args = parseArgs(process.argv.slice(2));
const outDir = path.join(repoRoot, 'bench', 'out');
if (args.reportOnly) {
  const saved = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8'));
  console.log(renderText(saved));
  writeReport(saved);
  process.exit(0);
}

/** BENCHMARKS.md for a full run of every section, bench/out/BENCHMARKS.partial.md otherwise. */
function writeReport(report) {
  const full = !report.quick && ALL.every((s) => s in report.results);
  const mdFile = full ? path.join(repoRoot, 'BENCHMARKS.md') : path.join(outDir, 'BENCHMARKS.partial.md');
  writeFileSync(mdFile, renderMarkdown(report));
  console.log(`\nwrote ${path.relative(repoRoot, mdFile)}`);
}
const quick = args.quick || process.env.BENCH_QUICK === '1';
const sections = (args.sections ?? process.env.BENCH_SECTIONS ?? ALL.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const s of sections) if (!ALL.includes(s)) throw new Error(`unknown section ${s} (known: ${ALL.join(', ')})`);
const runs = Number(args.runs ?? process.env.BENCH_RUNS ?? (quick ? 3 : 7));
const ns = (args.n ?? process.env.BENCH_N ?? '1,10,100,200').split(',').map(Number);

const cfg = {
  quick,
  runs,
  ns: quick && !args.n && !process.env.BENCH_N ? [1, 10, 100] : ns,
  // tmuxp and tmuxinator take seconds per run at N >= 100: fewer runs there (still a median of 3).
  slowRuns: quick ? 1 : 3,
  slowFromN: 100,
  slowMaxN: quick ? 10 : undefined,
  noopN: 100,
  noopRuns: quick ? 5 : 15,
  spawnNs: [10, 100],
  startupRuns: quick ? 5 : 15,
  // 100 sessions in both modes: "100 panes killed at once" needs them.
  watchSessions: 100,
  // Issue 12: 1000 crashes, round after round over the sessions, each a first restart: a session is
  // killed only after it ran crashResetSeconds, its spec's backoff.resetAfterSeconds.
  crashes: Number(process.env.BENCH_CRASHES ?? (quick ? 50 : 1000)),
  crashResetSeconds: 2,
  massKills: Number(process.env.BENCH_MASS_KILLS ?? (quick ? 3 : 7)),
  idleSeconds: Number(process.env.BENCH_IDLE_SECONDS ?? (quick ? 15 : 60)),
  idleAfterSeconds: Number(process.env.BENCH_IDLE_SECONDS ?? (quick ? 15 : 60)),
  edits: quick ? 5 : 20,
  // Windows and panes: N sessions of one window of 4 panes; tmuxp and tmuxinator take ~10 s a run at 50.
  layoutN: Number(process.env.BENCH_LAYOUT_N ?? (quick ? 10 : 50)),
  layoutRuns: quick ? 3 : 7,
  layoutNoopRuns: quick ? 3 : 7,
  layoutSlowRuns: quick ? 2 : 5, // tmuxp and tmuxinator: 25 to 60 s a run at N=50 on 2 busy cores
  // Issue 12, size: cold 1000 sessions and 250 × 4 panes against one raw batch each, no-op of 1000.
  scaleSessions: 1000,
  scalePaneSessions: 250,
  scaleRuns: quick ? 1 : 3,
  scaleNoopRuns: quick ? 3 : 9,
  // Issue 12, idle at size: watch over 1000 panes and pm2 with 1000 apps, sampled together.
  idlePanes: Number(process.env.BENCH_IDLE_PANES ?? 1000),
  // pm2's daemon does its periodic work every 30 s: a window shorter than that may see none of it.
  idle1000Seconds: Number(process.env.BENCH_IDLE_SECONDS ?? (quick ? 30 : 60)),
  // Issue 13, many hosts over OpenSSH: 3 hosts × hostSessions, crash repair here and on a host.
  hostSessions: 50,
  hostRuns: quick ? 3 : 5,
  hostNoopRuns: quick ? 5 : 9,
  hostCrashSessions: 5,
  hostCrashes: Number(process.env.BENCH_HOST_CRASHES ?? (quick ? 10 : 30)),
  // Separate machines do not share CPUs; the three fake hosts share this machine's cores. The cold
  // rows are measured twice, side by side: each host held to a CPU quota of its own (a cgroup per
  // host: bench/lib/cpu-cap.mjs), and uncapped. 0.5 core each: 3 × 0.5 leaves half of the 2 cores
  // to this machine's side (tmuxctl, the ssh clients), and a host gets the same half core alone as
  // with the others (a quota is a ceiling, so alone it cannot borrow the idle cores either). A 20 ms
  // period rather than the default 100 ms: the quota then acts like a slower CPU over an apply of a
  // few seconds, not like 100 ms bursts of full speed and stops.
  hostCpu: /^(off|0|none)$/i.test(process.env.BENCH_HOST_CPU ?? '') ? 0 : Number(process.env.BENCH_HOST_CPU || 0.5),
  hostCpuPeriodUs: 20_000,
  // A build to compare the no-op with, side by side (e.g. the previous release's dist/cli/main.js).
  hostsBaseCli: process.env.BENCH_HOSTS_BASE || undefined,
  settleMs: 3000,
  crashGapMs: 150,
  editGapMs: 500,
  // A restart later than this was not driven by the hook: the resync (30 s) repaired it, or nothing did.
  missAfterMs: 5000,
  rescueMs: 40_000,
  progress: (line) => process.stderr.write(`${line}\n`),
};

if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build (npm run bench does)`);
const env = new BenchEnv();
let cleaned = false;
const cleanup = () => {
  if (cleaned) return;
  cleaned = true;
  env.cleanup();
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

const startedAt = new Date();
const machine = env.machine();
const tools = detectTools();
const results = {};
try {
  cfg.progress(`tmuxctl bench (${quick ? 'quick' : 'full'}): sections ${sections.join(', ')}; N ${cfg.ns.join(', ')}; ${runs} runs`);
  cfg.progress(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.tmux}, load ${machine.loadAverage}`);
  cfg.progress(`tools: ${['tmuxp', 'tmuxinator', 'pm2'].map((t) => `${t} ${tools[t] ? tools[t].version : 'not installed (skipped)'}`).join(', ')}`);
  for (const s of sections) {
    const t0 = performance.now();
    cfg.progress(`\n== ${s}`);
    if (s === 'cold') results.cold = await coldApply(env, tools, cfg, { startSeconds: 0 });
    if (s === 'start') results.start = await coldApply(env, { bash: tools.bash }, cfg, { startSeconds: undefined }); // the default, 1
    if (s === 'noop') results.noop = await noopSection(env, cfg);
    if (s === 'spawns') results.spawns = await spawnsSection(env, cfg);
    if (s === 'watch') results.watch = await watchSection(env, tools, cfg);
    if (s === 'startup') results.startup = await startupSection(env, cfg);
    if (s === 'layout') results.layout = await layoutSection(env, tools, cfg);
    if (s === 'scale') results.scale = await scaleSection(env, cfg);
    if (s === 'idle') results.idle = await idleSection(env, tools, cfg);
    if (s === 'hosts') results.hosts = await hostsSection(env, tools, cfg);
    cfg.progress(`   (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
} finally {
  cleanup();
}
machine.loadAverageEnd = (await import('node:os'))
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');

// A run of some sections keeps the other sections' figures from the last run (noted in the report).
const previousFile = path.join(outDir, 'results.json');
const kept = [];
if (sections.length < ALL.length && existsSync(previousFile)) {
  const previous = JSON.parse(readFileSync(previousFile, 'utf8'));
  for (const [name, value] of Object.entries(previous.results ?? {})) {
    if (results[name] === undefined) {
      results[name] = value;
      kept.push(`${name} (from the run of ${previous.startedAt})`);
    }
  }
}
const note = [process.env.BENCH_NOTE, kept.length ? `Sections not re-run this time: ${kept.join(', ')}.` : undefined].filter(Boolean).join(' ') || undefined;
const report = { startedAt: startedAt.toISOString(), quick, cfg: { ...cfg, progress: undefined }, machine, tools, results, note };
console.log(renderText(report));
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2));
writeReport(report);
