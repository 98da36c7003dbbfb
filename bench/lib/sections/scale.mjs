import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { names, SLEEP_ARGV, writeTmuxctlSpec } from '../fixtures.mjs';
import { writeTmuxctlLayoutSpec } from '../layout-fixtures.mjs';
import { timed } from '../proc.mjs';
import { formatMs, formatRatio, median } from '../stats.mjs';
import { countingShims } from './spawns.mjs';
import { tmuxctl } from '../tools.mjs';

/** Raw `source-file -` batch: one `new-session` per session (1000 sessions do not fit one client's argv: tmux says "command too long"). */
export function rawSessionsBatch(sessionNames) {
  return `${sessionNames.map((n) => `new-session -d -s ${n} ${SLEEP_ARGV.join(' ')}`).join('\n')}\n`;
}

/** Raw `source-file -` batch: per session `new-session` + 3 `split-window` (+ `select-layout tiled` when `tiled`). */
export function rawPanesBatch(sessionNames, panes, { tiled = false } = {}) {
  const cmd = SLEEP_ARGV.join(' ');
  const lines = [];
  for (const n of sessionNames) {
    lines.push(`new-session -d -s ${n} -n main ${cmd}`);
    for (let i = 1; i < panes; i++) lines.push(`split-window -t =${n}: ${cmd}`);
    if (tiled) lines.push(`select-layout -t =${n}: tiled`);
  }
  return `${lines.join('\n')}\n`;
}

/** Number of panes on a server (0 when there is none), read with one `list-panes -a`. */
export function countPanes(env, socket) {
  const r = spawnSync(env.tmux, ['-L', socket, 'list-panes', '-a', '-F', '#{pane_id}'], { env: env.env, encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).length : 0;
}

/**
 * Builds `sessionNames` on `socket` with `tmuxctl apply` of a spec that grows `chunk` sessions at a
 * time (untimed set-up for the no-op and idle measurements): one apply of 1000 sessions may take
 * longer than tmuxctl's own batch timeout on an engine that makes tmux's work grow faster than N.
 * @param {(file: string, names: string[]) => void} write writes the spec of these sessions to `file`
 */
export async function buildIncrementally(env, socket, state, specFile, sessionNames, write, chunk = 200) {
  for (let k = Math.min(chunk, sessionNames.length); ; k = Math.min(k + chunk, sessionNames.length)) {
    write(specFile, sessionNames.slice(0, k));
    const r = await tmuxctl(env, socket, state, ['apply', '-f', specFile], { check: false, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`set-up apply of ${k} sessions exited ${r.code}: ${(r.err || r.out).trim().split('\n').at(-1)}`);
    if (k === sessionNames.length) return;
  }
}

/**
 * Section 8 (issue 12, size): cold `apply` of 1000 one-pane sessions and of 250 sessions × 4 panes,
 * each against one raw `tmux source-file -` batch creating the same (+ `node -e 0`), side by side in
 * rotating order on a fresh server per run; then a no-op `apply` over 1000 sessions against
 * `node -e 0`, with the tmux processes it starts counted by a shim. A tmuxctl run that fails (its
 * batch timed out) is recorded with its message, not retried.
 * @param {import('../env.mjs').BenchEnv} env
 */
export async function scaleSection(env, cfg) {
  const out = { runs: cfg.scaleRuns, noopRuns: cfg.scaleNoopRuns, cold: {}, noop: undefined };
  let keep; // the server of the last good cold apply of 1000 sessions, reused for the no-op
  const shapes = [
    { id: 'sessions', label: `${cfg.scaleSessions} sessions × 1 pane`, sessions: cfg.scaleSessions, panes: 1 },
    { id: 'panes', label: `${cfg.scalePaneSessions} sessions × 4 panes`, sessions: cfg.scalePaneSessions, panes: 4 },
  ];
  for (const shape of shapes) {
    const list = names(shape.sessions);
    const total = shape.sessions * shape.panes;
    const rawRun = (id, batch) => async () => {
      const socket = env.newSocket(`scale-${id}`);
      try {
        const r = await timed(env.tmux, ['-L', socket, 'start-server', ';', 'source-file', '-'], {
          env: env.env,
          input: batch,
          check: false,
          timeoutMs: 300_000,
        });
        const got = countPanes(env, socket);
        return got === total && r.code === 0 ? { ms: r.ms } : { ms: r.ms, failed: `exit ${r.code}, ${got} of ${total} panes: ${r.err.trim().split('\n')[0]}` };
      } finally {
        env.killServer(socket);
      }
    };
    const methods = [
      { id: 'node0', label: '`node -e 0`', run: async () => ({ ms: (await timed(process.execPath, ['-e', '0'])).ms }) },
      {
        id: 'raw',
        label:
          shape.panes === 1
            ? 'raw tmux, one `source-file -` batch of `new-session`'
            : 'raw tmux, one `source-file -` batch: `new-session` + 3 `split-window` each',
        run: rawRun('raw', shape.panes === 1 ? rawSessionsBatch(list) : rawPanesBatch(list, shape.panes)),
      },
    ];
    if (shape.panes > 1)
      methods.push({
        id: 'rawTiled',
        label: '… the same + `select-layout tiled` each (what the spec asks)',
        run: rawRun('rawTiled', rawPanesBatch(list, shape.panes, { tiled: true })),
      });
    methods.push({
      id: 'tmuxctl',
      label: '`tmuxctl apply` (startSeconds 0)',
      run: async () => {
        const socket = env.newSocket(`scale-tmuxctl-${shape.id}`);
        const dir = env.dir('scale', socket);
        const spec =
          shape.panes === 1
            ? writeTmuxctlSpec(path.join(dir, 'spec.yaml'), list, { startSeconds: 0 })
            : writeTmuxctlLayoutSpec(path.join(dir, 'spec.yaml'), list, { startSeconds: 0 });
        const state = path.join(dir, 'state');
        const r = await tmuxctl(env, socket, state, ['apply', '-f', spec], { check: false, timeoutMs: 300_000 });
        const got = countPanes(env, socket);
        const ok = r.code === 0 && got === total;
        if (ok && shape.panes === 1) {
          if (keep) env.killServer(keep.socket);
          keep = { socket, state, spec };
        } else env.killServer(socket);
        return ok
          ? { ms: r.ms }
          : { ms: r.ms, failed: `exit ${r.code}, ${got} of ${total} panes: ${(r.err || r.out).trim().split('\n').at(-1)?.slice(0, 200)}` };
      },
    });
    const times = Object.fromEntries(methods.map((m) => [m.id, []]));
    const failures = Object.fromEntries(methods.map((m) => [m.id, []]));
    for (let r = 0; r < cfg.scaleRuns; r++) {
      const last = {};
      for (let i = 0; i < methods.length; i++) {
        const m = methods[(i + r) % methods.length];
        const res = await m.run();
        last[m.id] = res;
        if (res.failed) failures[m.id].push(`${formatMs(res.ms)}: ${res.failed}`);
        else times[m.id].push(res.ms);
      }
      cfg.progress(
        `  cold ${shape.label} run ${r + 1}/${cfg.scaleRuns}: ${methods.map((m) => `${m.id} ${formatMs(last[m.id].ms)}${last[m.id].failed ? ' FAILED' : ''}`).join(', ')}`,
      );
    }
    for (const [id, f] of Object.entries(failures)) for (const line of f) cfg.progress(`  ${id} failed: ${line}`);
    out.cold[shape.id] = {
      label: shape.label,
      sessions: shape.sessions,
      panes: shape.panes,
      methods: methods.map(({ id, label }) => ({ id, label })),
      times,
      failures,
      median: Object.fromEntries(methods.map((m) => [m.id, median(times[m.id])])),
    };
  }

  // No-op over 1000 sessions: on the server of the last good cold apply, or built in steps.
  const n = cfg.scaleSessions;
  if (!keep) {
    const socket = env.newSocket('scale-noop');
    const dir = env.dir('scale', socket);
    const spec = path.join(dir, 'spec.yaml');
    const state = path.join(dir, 'state');
    await buildIncrementally(env, socket, state, spec, names(n), (file, l) => writeTmuxctlSpec(file, l, { startSeconds: 0 }));
    keep = { socket, state, spec };
  }
  const apply = async (opts = {}) => {
    const r = await tmuxctl(env, keep.socket, keep.state, ['apply', '-f', keep.spec], { timeoutMs: 120_000, ...opts });
    if (!r.out.includes('in sync')) throw new Error(`no-op apply of ${n} sessions did something: ${r.out.slice(-300)}`);
    return r;
  };
  const shims = countingShims(env);
  shims.reset();
  await apply({ env: shims.env });
  const counted = shims.read();
  const noopMethods = [
    { id: 'node0', run: () => timed(process.execPath, ['-e', '0']) },
    { id: 'tmuxctl', run: () => apply() },
  ];
  const times = { node0: [], tmuxctl: [] };
  for (const m of noopMethods) await m.run(); // warm-up
  for (let r = 0; r < cfg.scaleNoopRuns; r++)
    for (let i = 0; i < noopMethods.length; i++) {
      const m = noopMethods[(i + r) % noopMethods.length];
      times[m.id].push((await m.run()).ms);
    }
  env.killServer(keep.socket);
  out.noop = {
    n,
    times,
    median: { node0: median(times.node0), tmuxctl: median(times.tmuxctl) },
    tmux: counted.tmux,
    flock: counted.flock,
    commands: counted.commands,
  };
  cfg.progress(
    `  no-op ${n} sessions: tmuxctl ${formatMs(out.noop.median.tmuxctl)}, node -e 0 ${formatMs(out.noop.median.node0)}; ${counted.tmux} tmux process(es) (${counted.commands.join(' | ')}), ${counted.flock} flock`,
  );
  return out;
}

export function scaleTables(d) {
  const tables = [];
  for (const c of Object.values(d.cold)) {
    const floor = c.median.raw + c.median.node0;
    tables.push({
      caption: `Cold: ${c.label}, from nothing, fresh tmux server per run`,
      columns: ['method', 'median', 'runs', 'failed runs', '÷ raw batch', '÷ (raw batch + node -e 0)'],
      rows: c.methods.map((m) => [
        m.label,
        formatMs(c.median[m.id]),
        String(c.times[m.id].length),
        c.failures[m.id].length ? `${c.failures[m.id].length}: ${c.failures[m.id][0]}` : '',
        m.id === 'node0' ? '' : formatRatio(c.median[m.id] / c.median.raw),
        m.id === 'tmuxctl' ? formatRatio(c.median.tmuxctl / floor) : '',
      ]),
    });
  }
  const nz = d.noop;
  tables.push({
    caption: `No-op \`apply\`, ${nz.n} sessions in place`,
    columns: ['command', `median (${nz.times.tmuxctl.length} runs)`, '÷ node -e 0', 'tmux processes', 'other processes'],
    rows: [
      ['`node -e 0`', formatMs(nz.median.node0), '', '', ''],
      [
        '`tmuxctl apply` (no-op)',
        formatMs(nz.median.tmuxctl),
        formatRatio(nz.median.tmuxctl / nz.median.node0),
        `${nz.tmux} (${nz.commands.join('; ')})`,
        `${nz.flock} flock`,
      ],
    ],
  });
  return tables;
}

/** Issue 12's size targets. */
export function scaleTargets(d, add) {
  for (const c of Object.values(d.cold)) {
    const floor = c.median.raw + c.median.node0;
    const mine = c.median.tmuxctl;
    const failed = c.failures.tmuxctl;
    const measured = Number.isFinite(mine)
      ? `${formatMs(mine)}${failed.length ? ` (${failed.length} run(s) failed: ${failed[0]})` : ''}`
      : `every run failed: ${failed[0] ?? 'no run'}`;
    add({
      what: `cold apply, ${c.label}`,
      target: '≤ 2x (raw batch + node -e 0)',
      measured,
      baseline: `${formatMs(floor)} (raw ${formatMs(c.median.raw)} + node ${formatMs(c.median.node0)})`,
      ratio: formatRatio(mine / floor),
      met: Number.isFinite(mine) && failed.length === 0 && mine <= 2 * floor,
    });
  }
  const nz = d.noop;
  add({
    what: `no-op apply, ${nz.n} sessions`,
    target: '≤ 3x node -e 0, one tmux process',
    measured: `${formatMs(nz.median.tmuxctl)}; ${nz.tmux} tmux process(es)`,
    baseline: formatMs(nz.median.node0),
    ratio: formatRatio(nz.median.tmuxctl / nz.median.node0),
    met: nz.median.tmuxctl <= 3 * nz.median.node0 && nz.tmux === 1,
  });
}
