import { readFileSync, existsSync } from 'node:fs';
import { coldApplyTable } from './sections/apply.mjs';
import { layoutTables, layoutTargets } from './sections/layout.mjs';
import { noopTable } from './sections/noop.mjs';
import { spawnsTable } from './sections/spawns.mjs';
import { startupTable } from './sections/startup.mjs';
import { hostsTables, issue13Targets } from './sections/hosts.mjs';
import { idleTable, idleTargets } from './sections/idle.mjs';
import { scaleTables, scaleTargets } from './sections/scale.mjs';
import { watchTable } from './sections/watch.mjs';
import { formatBytes, formatMs, formatRatio } from './stats.mjs';

const TITLES = {
  cold: '1. Cold `apply`, `startSeconds: 0`',
  start: '2. Cold `apply`, default `startSeconds: 1` (start-up verified)',
  noop: '3. No-op `apply` and `diff`',
  spawns: '4. Processes spawned per `apply`',
  watch: '5. `watch`: crash repair, spec edits, idle cost',
  startup: '6. CLI start-up',
  layout: '7. Windows and panes: cold and no-op `apply` of N sessions × 4 panes',
  scale: '8. Size: cold `apply` of 1000 sessions and of 250 sessions × 4 panes, no-op `apply` of 1000 sessions',
  idle: '9. Idle `watch` over 1000 panes, side by side with pm2 and 1000 apps',
  hosts: '10. Many hosts over OpenSSH: cold and no-op `apply` of 3 hosts × 50 sessions, crash repair on a host',
};

const ABOUT = {
  cold:
    'N detached sessions running `sleep 100000` on a fresh tmux server (fresh state dir for tmuxctl). tmuxctl, raw tmux and pm2 run that argv with no shell; ' +
    'tmuxp and tmuxinator type it into a shell in the pane, which is how they work. ' +
    'The raw baseline is one `tmux start-server \\; new-session -d -s s0 sleep 100000 \\; ...` invocation. tmuxp loads one workspace file per session in one ' +
    'call; tmuxinator starts one project per session; pm2 starts an ecosystem file with N apps on an already running daemon.',
  start:
    'The same sessions with the default `startSeconds: 1`: `apply` waits until one second after it started them, then checks them all with one observation. ' +
    'Compared with raw tmux only: the other tools verify nothing.',
  noop: 'N sessions already converged; `apply` and `diff` find nothing to do. Floors: starting Node at all, and one tmux client observing every pane.',
  spawns:
    'Counted with `tmux` and `flock` shims first on PATH (each appends its argv to a file, then execs the real program). The tmux server forks from the first client and is not counted.',
  watch:
    'One `tmuxctl watch` supervising sessions that run `bash -c \'echo "$$ $EPOCHREALTIME" >> FILE; exec sleep 1000000\'`; pm2 runs the same fixture with autorestart. ' +
    "Latency is measured on bash's clock: from the `kill -9` (issued by bash, which prints its time) to the replacement writing its line. " +
    'The crashes go round the sessions again and again; a session is killed only once it has run at least `backoff.resetAfterSeconds` (set to a few seconds in the spec), ' +
    'so every restart is a first restart (no backoff), in pm2 as in tmuxctl. One tmuxctl crash and one pm2 crash in turn, which goes first alternating. ' +
    'A crash counts as missed when its replacement took more than 5 s (the hook path failed; the 30 s resync repaired it), and lost when it never came. ' +
    '"Killed at once": one bash `kill -9 p1 ... p100` of 100 supervised processes, timed to the start line of the last of the 100 replacements, for each tool in alternating order. ' +
    "Edits change one session's `env` in the spec file (written in place), timed from the write to that session's new process writing its start line. " +
    'Idle CPU is utime+stime from /proc/PID/stat over the window (children: every tmux or flock process under watch, live or reaped); RSS is VmRSS.',
  startup: 'Start-up of the CLI itself.',
  layout:
    'N sessions, each one window `main` of 4 panes running `sleep 100000`, arranged `tiled`: a tmuxctl spec with `windows:`/`panes:` (`startSeconds: 0`), ' +
    'one tmuxp workspace file per session (all loaded by one `tmuxp load -y -d`), one tmuxinator project per session (`tmuxinator start -p FILE --no-attach`, ' +
    'one after the other), and one raw `tmux start-server \\; source-file -` fed `new-session`, 3 × `split-window` and `select-layout` per session. ' +
    'tmuxctl and raw tmux run the argv with no shell; tmuxp and tmuxinator type it into a shell in each pane, which is how they work. ' +
    'Cold runs start from a fresh tmux server (and state dir); every result is checked (N sessions, 4 panes each, in the window `main`). ' +
    'The second table runs each tool again on a server where its own layout is in place: tmuxp and tmuxinator have no no-op, only a check that ' +
    'the session exists. The last column kills one pane of the first session by hand, runs the tool once more and counts its panes.',
  scale:
    'Cold: a fresh tmux server per run; `tmuxctl apply` of the spec (`startSeconds: 0`; the 4-pane windows declare no layout, so tmuxctl spreads them `tiled`) ' +
    'against one raw `tmux start-server \\; source-file -` fed one `new-session` per session (and 3 `split-window` per session for 4 panes; ' +
    '1000 sessions do not fit one `;`-chained argv, tmux refuses it as "command too long"). The raw batch with `select-layout tiled` is shown too; ' +
    'the target is judged against the batch without it. Runs side by side in rotating order; every result checked by counting panes. ' +
    'A tmuxctl run that fails (its batch timed out on a busy server) is recorded with its message and counts as missed. ' +
    'No-op: on the server of the last good cold apply of 1000 sessions (or one built by applying a growing spec, 200 sessions at a time), ' +
    'side by side with `node -e 0`; tmux processes counted once with a shim first on PATH.',
  idle:
    'The panes are built first (untimed) by applying a growing spec, 200 sessions at a time. Then `tmuxctl watch` runs over them, pm2 starts as many apps ' +
    'running `sleep 100000` on its daemon (private PM2_HOME), each is left until it used under 3% of a core for 3 s in a row, and both are sampled together from ' +
    '/proc every second over the same window: watch with everything under it (utime+stime of itself, of its live children such as a `tmux -C` control ' +
    "client, and of its reaped ones), pm2's daemon with its reaped children (its live children are the apps). RSS is VmRSS of the process itself.",
  hosts:
    'Three throw-away accounts on this machine stand in for three hosts, each reached through an sshd of its own on 127.0.0.1 (real OpenSSH, real key ' +
    'exchange; no network latency, so a round trip is what ssh and sshd themselves cost). Cold: a fresh tmux server on every host and a fresh state dir ' +
    'here (so no ssh master connection yet); the 3-host apply side by side with the same 50 sessions applied to each host alone, the local cold apply, and ' +
    'one raw `ssh HOST tmux -L S start-server \\; source-file -` batch of 50 `new-session` lines over a new connection; each host method is run twice, side by side, ' +
    "with each host held to a CPU quota of its own (a cgroup per host that its sshd, and so everything of the host, runs in: the issue's condition) and uncapped " +
    "(the machine's own contention), and the table says which row is which. No-op (hosts uncapped): the 150 sessions in sync and the " +
    'masters up, against the local no-op of 150 sessions and `ssh HOST true` over the master (the round trip); ssh processes counted once with a shim. ' +
    'Crash repair: one `watch` over 5 sessions here and 5 on h1 (the crash fixture of section 5), one kill -9 here and one there in turn, each a first restart.',
};

/**
 * Issue 12's targets, judged from the results present: each with the measured figure, its baseline
 * in the same run, the ratio, met or missed. The soak (`npm run soak`) is its own script: its last
 * result is shown when bench/out/soak.json exists.
 * @returns {{ what: string, target: string, measured: string, baseline: string, ratio: string, met: boolean | undefined }[]}
 */
export function issue12Targets(r, soak = readSoak()) {
  const t = [];
  const add = (row) => t.push(row);
  const w = r.results.watch;
  if (w && !w.skipped) {
    const c = w.crashes;
    const dist = (x) => `p50 ${formatMs(x.median)}, p95 ${formatMs(x.p95)}, p99 ${formatMs(x.p99)}, max ${formatMs(x.max)}`;
    add({
      what: `crash (kill -9) → replacement running, first restart, ${c.count} crashes: median`,
      target: "≤ pm2 autorestart's median",
      measured: dist(c.tmuxctl),
      baseline: c.pm2 ? `pm2 ${dist(c.pm2)}` : 'pm2 not installed',
      ratio: c.pm2 ? formatRatio(c.tmuxctl.median / c.pm2.median) : '',
      met: c.pm2 ? c.tmuxctl.median <= c.pm2.median : undefined,
    });
    add({
      what: '… p99',
      target: '≤ 20 ms',
      measured: formatMs(c.tmuxctl.p99),
      baseline: '20 ms',
      ratio: formatRatio(c.tmuxctl.p99 / 20),
      met: c.tmuxctl.p99 <= 20,
    });
    add({
      what: '… missed (not back within 5 s)',
      target: '0',
      measured: `${c.missed.tmuxctl} missed, ${c.lost.tmuxctl} lost`,
      baseline: c.pm2 ? `pm2: ${c.missed.pm2} missed` : '',
      ratio: '',
      met: c.missed.tmuxctl === 0 && c.lost.tmuxctl === 0,
    });
    const m = w.mass;
    if (m) {
      const measured = m.tmuxctl.n ? `median ${formatMs(m.tmuxctl.median)}, max ${formatMs(m.tmuxctl.max)} (${m.tmuxctl.n} runs)` : 'no complete run';
      add({
        what: `${m.panes} panes killed at once → all running again`,
        target: '≤ 300 ms (every run)',
        measured: `${measured}${m.missing.tmuxctl ? `; ${m.missing.tmuxctl} panes not back within 5 s` : ''}`,
        baseline: m.pm2 ? `pm2: median ${formatMs(m.pm2.median)}, max ${formatMs(m.pm2.max)}` : '300 ms',
        ratio: formatRatio(m.tmuxctl.max / 300),
        met: m.tmuxctl.n > 0 && m.missing.tmuxctl === 0 && m.tmuxctl.max <= 300,
      });
    }
    add({
      what: `spec saved → changed pane running again, ${w.edits.n} edits`,
      target: 'median < 250 ms (debounce included)',
      measured: `median ${formatMs(w.edits.median)}, max ${formatMs(w.edits.max)}${w.editsMissed ? `; ${w.editsMissed} not restarted` : ''}`,
      baseline: '250 ms',
      ratio: formatRatio(w.edits.median / 250),
      met: w.edits.median < 250 && !w.editsMissed,
    });
  }
  const cold = r.results.cold?.results;
  if (cold) {
    const n = cold[100] ? 100 : Math.max(...Object.keys(cold).map(Number));
    const c = cold[n];
    const floor = c.raw.median + c.node0.median;
    add({
      what: `cold apply, ${n} sessions (startSeconds 0)`,
      target: '≤ 1.5x (raw batch + node -e 0)',
      measured: formatMs(c.tmuxctl.median),
      baseline: `${formatMs(floor)} (raw ${formatMs(c.raw.median)} + node ${formatMs(c.node0.median)})`,
      ratio: formatRatio(c.tmuxctl.median / floor),
      met: c.tmuxctl.median <= 1.5 * floor,
    });
  }
  if (r.results.scale) scaleTargets(r.results.scale, add);
  if (r.results.idle) idleTargets(r.results.idle, add);
  if (soak) {
    add({
      what: `soak (npm run soak, ${soak.minutes} min, ${soak.panes} panes; run of ${soak.startedAt})`,
      target: 'RSS end ≤ minute 1 + 10%; no missed crash; logs within their bounds',
      measured: `RSS ${formatBytes(soak.rss.minute1)} → ${formatBytes(soak.rss.end)}; ${soak.crashes.missed} of ${soak.crashes.count} crashes missed; logs ${soak.logs.ok ? 'within' : 'OVER'} bounds`,
      baseline: `${formatBytes(soak.rss.minute1 * 1.1)} allowed`,
      ratio: formatRatio(soak.rss.end / soak.rss.minute1),
      met: soak.met,
    });
  }
  return t;
}

function readSoak() {
  const file = new URL('../out/soak.json', import.meta.url);
  try {
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  } catch {
    return undefined;
  }
}

/** The targets of the issues before 12 that still make sense, judged from the results present. */
export function evaluateTargets(r) {
  const t = [];
  const add = (section, what, target, measured, met) => t.push({ section, what, target, measured, met });
  const cold = r.results.cold?.results;
  if (cold) {
    const n = cold[100] ? 100 : Math.max(...Object.keys(cold).map(Number));
    const c = cold[n];
    for (const tool of ['tmuxp', 'tmuxinator']) {
      const withTool = Object.keys(cold)
        .map(Number)
        .filter((k) => cold[k][tool]);
      if (withTool.length === 0) {
        add('cold', `faster than ${tool}`, '≥ 30x', 'skipped (not installed)', undefined);
        continue;
      }
      const k = withTool.includes(100) ? 100 : Math.max(...withTool);
      const ratio = cold[k][tool].median / cold[k].tmuxctl.median;
      add(
        'cold',
        `faster than ${tool}, N=${k}`,
        '≥ 30x',
        `${formatRatio(ratio)} (${formatMs(cold[k][tool].median)} vs ${formatMs(cold[k].tmuxctl.median)})`,
        ratio >= 30,
      );
    }
    if (c.pm2)
      add(
        'cold',
        `faster than pm2, N=${n}`,
        '< pm2',
        `${formatMs(c.tmuxctl.median)} vs ${formatMs(c.pm2.median)} (${formatRatio(c.tmuxctl.median / c.pm2.median)})`,
        c.tmuxctl.median < c.pm2.median,
      );
    else add('cold', 'faster than pm2', '< pm2', 'skipped (not installed)', undefined);
  }
  const start = r.results.start?.results;
  if (start) {
    const n = start[100] ? 100 : Math.max(...Object.keys(start).map(Number));
    const s = start[n].tmuxctl.median;
    add('start', `cold apply N=${n}, startSeconds 1`, '< 1.5 s', formatMs(s), s < 1500);
    if (cold?.[n]) {
      const extra = s - cold[n].tmuxctl.median;
      const signed = `${extra < 0 ? '−' : '+'}${formatMs(Math.abs(extra))}`;
      add('start', `cost of verification, N=${n}`, 'one wait in total (≤ 1 s more than startSeconds 0)', `${signed} over startSeconds 0`, extra <= 1100);
    }
  }
  const noop = r.results.noop;
  if (noop) {
    const ratio = noop.median.apply / noop.median.node0;
    add(
      'noop',
      `no-op apply N=${noop.n}`,
      '≤ 3x node -e 0',
      `${formatMs(noop.median.apply)} = ${formatRatio(ratio)} of ${formatMs(noop.median.node0)}`,
      ratio <= 3,
    );
  }
  const spawns = r.results.spawns;
  if (spawns) {
    const noopMax = Math.max(...spawns.rows.filter((x) => x.kind === 'no-op').map((x) => x.tmux));
    add('spawns', 'tmux processes, no-op apply, any N', '≤ 3', String(noopMax), noopMax <= 3);
    const cold = spawns.rows.filter((x) => x.kind === 'cold');
    const coldMax = Math.max(...cold.map((x) => x.tmux));
    const flat = new Set(cold.filter((x) => x.startSeconds === 1).map((x) => x.tmux)).size === 1;
    add(
      'spawns',
      'tmux processes, cold apply',
      'a handful, not one per session',
      `${coldMax} at most, ${flat ? 'the same' : 'not the same'} at N=${spawns.rows
        .map((x) => x.n)
        .filter((v, i, a) => a.indexOf(v) === i)
        .join(' and ')}`,
      coldMax <= 5 && flat,
    );
  }
  const w = r.results.watch;
  if (w && !w.skipped) {
    const c = w.crashes;
    add(
      'watch',
      `idle CPU, ${w.sessions} sessions`,
      '< 0.5% of one core',
      `${w.idle.cpuPercent.toFixed(3)}% (+${w.idle.childCpuPercent.toFixed(3)}% children)`,
      w.idle.cpuPercent + w.idle.childCpuPercent < 0.5,
    );
    // Idle is judged idle: the first window, and where the second settles after the crashes and edits
    // (the heap grown by that activity is handed back during the second window, not counted as idle).
    const grew = w.idleAfter.rssEnd - w.idle.rssEnd;
    add(
      'watch',
      `idle RSS, ${w.sessions} sessions`,
      '< 80 MB, no growth',
      `${formatBytes(w.idle.rssMax)} max while idle; ${formatBytes(w.idleAfter.rssEnd)} idle again after ${c.count} crashes and ${w.edits.n} edits ` +
        `(${grew >= 0 ? '+' : '−'}${formatBytes(Math.abs(grew))}; peak ${formatBytes(w.idleAfter.rssMax)} right after them)`,
      w.idle.rssMax < 80 * 1024 ** 2 && w.idleAfter.rssEnd < 80 * 1024 ** 2 && grew <= 0.1 * w.idle.rssEnd,
    );
  }
  if (r.results.layout) layoutTargets(r.results.layout, add);
  const st = r.results.startup;
  if (st) {
    const ratio = st.median.help / st.median.node0;
    add('startup', '`tmuxctl --help`', '≤ 2x node -e 0', `${formatMs(st.median.help)} = ${formatRatio(ratio)} of ${formatMs(st.median.node0)}`, ratio <= 2);
  }
  return t;
}

function tableOf(section, data) {
  if (section === 'cold' || section === 'start') return coldApplyTable(data);
  if (section === 'noop') return noopTable(data);
  if (section === 'spawns') return spawnsTable(data);
  if (section === 'watch') return data.skipped ? undefined : watchTable(data);
  if (section === 'startup') return startupTable(data);
  if (section === 'layout') return layoutTables(data);
  if (section === 'scale') return scaleTables(data);
  if (section === 'idle') return idleTable(data);
  if (section === 'hosts') return hostsTables(data);
  return undefined;
}

/** A section's tables: none, one, or several (each may carry a caption, and a note shown under it). */
function tablesOf(section, data) {
  const tb = tableOf(section, data);
  return tb === undefined ? [] : Array.isArray(tb) ? tb : [tb];
}

/** What was not measured and why: a tool not installed, or a section that could not run. */
function skippedNote(id, data) {
  if (typeof data.skipped === 'string') return `Skipped: ${data.skipped}`;
  if (['cold', 'layout'].includes(id) && Array.isArray(data.skipped) && data.skipped.length > 0) {
    const tmuxctl = id === 'layout' && data.tmuxctlSkipped ? `; tmuxctl: ${data.tmuxctlSkipped}` : '';
    return `Skipped (not installed): ${data.skipped.join(', ')}${tmuxctl}`;
  }
  if (id === 'layout' && data.tmuxctlSkipped) return `Skipped: tmuxctl, ${data.tmuxctlSkipped}`;
  return undefined;
}

const verdict = (m) => (m === undefined ? 'skipped' : m ? 'met' : 'MISSED');

function textTable({ columns, rows }) {
  const all = [columns, ...rows.map((r) => r.map(String))];
  const widths = columns.map((_, i) => Math.min(70, Math.max(...all.map((r) => (r[i] ?? '').length))));
  return all
    .map(
      (r, j) =>
        r
          .map((c, i) => (c ?? '').padEnd(widths[i]))
          .join('  ')
          .trimEnd() + (j === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''),
    )
    .join('\n');
}

export function renderText(r) {
  const out = [];
  for (const [id, data] of Object.entries(r.results)) {
    out.push(`\n${TITLES[id]}`);
    const skipped = skippedNote(id, data);
    if (skipped) out.push(`  ${skipped}`);
    for (const tb of tablesOf(id, data)) out.push(...(tb.caption ? [`  ${tb.caption}`] : []), textTable(tb), ...(tb.note ? [`  ${tb.note}`] : []), '');
  }
  const t12 = issue12Targets(r);
  if (t12.length)
    out.push(
      '\nTargets (issue 12)',
      textTable({
        columns: ['target', 'wanted', 'measured', 'baseline', 'ratio', ''],
        rows: t12.map((t) => [t.what, t.target, t.measured, t.baseline, t.ratio, verdict(t.met)]),
      }),
    );
  const t13 = issue13Targets(r.results.hosts);
  if (t13.length)
    out.push(
      '\nTargets (issue 13, many hosts)',
      textTable({
        columns: ['target', 'wanted', 'measured', 'baseline', 'ratio', ''],
        rows: t13.map((t) => [t.what, t.target, t.measured, t.baseline, t.ratio, t.reference ? 'not judged (reference)' : verdict(t.met)]),
      }),
    );
  const targets = evaluateTargets(r);
  if (targets.length)
    out.push(
      '\nPrevious targets (issues before 12)',
      textTable({ columns: ['target', 'wanted', 'measured', ''], rows: targets.map((t) => [t.what, t.target, t.measured, verdict(t.met)]) }),
    );
  return out.join('\n');
}

function mdTable({ columns, rows }) {
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  return [`| ${columns.map(esc).join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(esc).join(' | ')} |`)].join(
    '\n',
  );
}

export function renderMarkdown(r) {
  const m = r.machine;
  const tools = ['tmuxp', 'tmuxinator', 'pm2'].map((t) => `${t}: ${r.tools[t] ? r.tools[t].version : 'not installed, skipped'}`).join('; ');
  const out = [];
  out.push('# Benchmarks');
  out.push('');
  out.push('Generated by `npm run bench` (bench/run.mjs); do not edit by hand: the analysis below the results is kept in');
  out.push('[bench/ANALYSIS.md](bench/ANALYSIS.md) and copied in. Every figure is a median of several runs taken side by side with its');
  out.push('baseline in the same run (run r of every method, then run r+1, in rotating order), and is also given as a ratio to it.');
  out.push('Times are wall clock around the child process (spawn to exit), measured with `performance.now()`.');
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(
    mdTable({
      columns: ['', ''],
      rows: [
        ['date', r.startedAt],
        ['CPU', `${m.cpu}, ${m.cores} cores`],
        ['memory', m.memory],
        ['OS', `${m.os}, kernel ${m.kernel}`],
        ['Node.js', m.node],
        ['tmux', m.tmux],
        ['compared with', tools],
        ['load average (1/5/15 min) at start, at end', `${m.loadAverage}; ${m.loadAverageEnd}`],
        ['mode', `${r.quick ? 'quick' : 'full'}: ${r.cfg.runs} runs (tmuxp/tmuxinator: ${r.cfg.slowRuns} at N ≥ ${r.cfg.slowFromN})`],
      ],
    }),
  );
  if (r.note) out.push('', `**Note:** ${r.note}`);
  out.push('', '## Targets (issue 12)', '');
  out.push(
    mdTable({
      columns: ['target', 'wanted', 'measured', 'baseline (same run)', 'ratio', 'verdict'],
      rows: issue12Targets(r).map((t) => [t.what, t.target, t.measured, t.baseline, t.ratio, verdict(t.met)]),
    }),
  );
  const t13 = issue13Targets(r.results.hosts);
  if (t13.length) {
    out.push('', '### Targets (issue 13, many hosts over OpenSSH)', '');
    out.push(
      mdTable({
        columns: ['target', 'wanted', 'measured', 'baseline (same run)', 'ratio', 'verdict'],
        rows: t13.map((t) => [t.what, t.target, t.measured, t.baseline, t.ratio, t.reference ? 'not judged (reference)' : verdict(t.met)]),
      }),
    );
  }
  out.push('', '### Previous targets (issues before 12, kept where they still make sense)', '');
  out.push(
    mdTable({ columns: ['target', 'wanted', 'measured', 'verdict'], rows: evaluateTargets(r).map((t) => [t.what, t.target, t.measured, verdict(t.met)]) }),
  );
  out.push('', '## Results');
  for (const [id, data] of Object.entries(r.results)) {
    out.push('', `### ${TITLES[id]}`, '', ABOUT[id]);
    const skipped = skippedNote(id, data);
    if (skipped) out.push('', `${skipped}.`);
    for (const tb of tablesOf(id, data)) out.push(...(tb.caption ? ['', `${tb.caption}:`] : []), '', mdTable(tb), ...(tb.note ? ['', tb.note] : []));
  }
  const analysis = new URL('../ANALYSIS.md', import.meta.url);
  if (existsSync(analysis)) out.push('', readFileSync(analysis, 'utf8').trim());
  out.push(
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm ci',
    'npm run bench                      # everything (about an hour on 2 cores: 1000 crashes side by side with pm2, the layout section with tmuxp and tmuxinator, the size sections)',
    'node bench/run.mjs --quick         # smaller N, fewer runs: for development',
    'BENCH_SECTIONS=cold,noop node bench/run.mjs   # some sections only (cold, start, noop, spawns, watch, startup, layout, scale, idle, hosts; hosts needs root and openssh-server)',
    'npm run soak                       # the soak: watch over 200 panes, a crash a second, an edit every 10 s, 10 minutes (--minutes N)',
    '# optional baselines (the bench installs nothing): apt-get install -y tmuxp tmuxinator; npm i --prefix bench/.scratch pm2',
    '```',
    '',
  );
  return out.join('\n');
}
