import { creators } from '../tools.mjs';
import { formatMs, formatRatio, median } from '../stats.mjs';

/**
 * Sections 1 and 2: cold `apply` of N sessions (fresh tmux server, fresh state dir) against one
 * batched raw tmux invocation creating the same sessions, and against tmuxp, tmuxinator and pm2 when
 * installed. All methods run side by side: run r of every method, then run r+1, the order rotated.
 * @param {import('../env.mjs').BenchEnv} env
 * @param {import('../env.mjs').Tools} tools
 */
export async function coldApply(env, tools, cfg, { startSeconds }) {
  const methods = creators(env, tools, { startSeconds });
  const runsFor = (m, n) => (m.slow && n >= cfg.slowFromN ? cfg.slowRuns : cfg.runs);
  const include = (m, n) => !(m.slow && cfg.slowMaxN !== undefined && n > cfg.slowMaxN);

  // Warm the file cache and the tmux binary once, untimed.
  for (const m of methods) if (!m.slow) await m.run(1);

  const results = {};
  /** @type {Record<string, string[]>} per method, the first line of each failed run (each retried once on a fresh server) */
  const failures = {};
  // tmuxinator's own script (`tmux start-server`, then `has-session`) can meet the empty server while
  // it exits ("server exited unexpectedly"): one failed run is retried once and reported, as the layout
  // section does, instead of ending the whole bench.
  const once = async (m, n) => {
    try {
      return await m.run(n);
    } catch (e) {
      const line = (e instanceof Error ? e.message : String(e))
        .replace(/^.*? exited \d+: /, '')
        .split('\n')[0]
        .slice(0, 120);
      (failures[m.id] ??= []).push(`N=${n}: ${line}`);
      cfg.progress(`  ${m.id} N=${n} failed (${line}); retried once`);
      return m.run(n);
    }
  };
  for (const n of cfg.ns) {
    const active = methods.filter((m) => include(m, n));
    const times = Object.fromEntries(active.map((m) => [m.id, []]));
    const maxRuns = Math.max(...active.map((m) => runsFor(m, n)));
    for (let r = 0; r < maxRuns; r++) {
      const order = active.map((_, i) => active[(i + r) % active.length]);
      for (const m of order) {
        if (times[m.id].length >= runsFor(m, n)) continue;
        times[m.id].push(await once(m, n));
      }
      cfg.progress(`  N=${n} run ${r + 1}/${maxRuns}: ${active.map((m) => `${m.id} ${formatMs(times[m.id].at(-1))}`).join(', ')}`);
    }
    results[n] = Object.fromEntries(active.map((m) => [m.id, { median: median(times[m.id]), runs: times[m.id] }]));
  }
  return { methods, results, failures, skipped: skippedTools(tools) };
}

export function skippedTools(tools) {
  return ['tmuxp', 'tmuxinator', 'pm2'].filter((t) => !tools[t]);
}

/** Rows: N, method, median (runs), ratio to the raw batch, to raw batch + node -e 0, and how much faster tmuxctl is. */
export function coldApplyTable(data) {
  const rows = [];
  for (const [n, byId] of Object.entries(data.results)) {
    const raw = byId.raw?.median;
    const node0 = byId.node0?.median;
    const mine = byId.tmuxctl?.median;
    for (const m of data.methods) {
      const r = byId[m.id];
      if (!r) continue;
      rows.push([
        n,
        m.label,
        `${formatMs(r.median)} (${r.runs.length})`,
        m.id === 'node0' ? '' : formatRatio(r.median / raw),
        m.id === 'tmuxctl' ? formatRatio(r.median / (raw + node0)) : '',
        ['node0', 'tmuxctl', 'replay'].includes(m.id) ? '' : formatRatio(r.median / mine),
        (data.failures?.[m.id] ?? []).filter((f) => f.startsWith(`N=${n}:`)).length || '',
      ]);
    }
  }
  return {
    columns: ['N', 'method', 'median (runs)', '÷ raw batch', '÷ (raw batch + node -e 0)', '÷ tmuxctl (above 1: tmuxctl faster)', 'failed runs (retried)'],
    rows,
  };
}
