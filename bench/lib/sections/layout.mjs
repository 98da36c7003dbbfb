import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { names } from '../fixtures.mjs';
import {
  commandScript,
  commandWords,
  countCommands,
  LAYOUT,
  rawLayoutBatch,
  writeTmuxctlLayoutSpec,
  writeTmuxinatorLayoutProjects,
  writeTmuxpLayoutWorkspaces,
} from '../layout-fixtures.mjs';
import { timed } from '../proc.mjs';
import { formatMs, formatRatio, median } from '../stats.mjs';
import { tmuxctl } from '../tools.mjs';

/**
 * Section 7: windows and panes. N sessions of one window of LAYOUT.panes panes (`tiled`), built by
 * `tmuxctl apply`, by one raw `tmux source-file -` batch, by tmuxp and by tmuxinator, side by side
 * (run r of every method, then run r+1, the order rotated; a fresh tmux server per run). Then the
 * same tools again with everything in place: `tmuxctl apply` has nothing to do; tmuxp and tmuxinator
 * have no no-op, so what is timed is what "load it again" does for them. Untimed: the anatomy of
 * tmuxctl's batch against the raw one, and whether a pane killed by hand comes back when the tool
 * is run again.
 * @param {import('../env.mjs').BenchEnv} env
 * @param {import('../env.mjs').Tools} tools
 */
export async function layoutSection(env, tools, cfg) {
  const n = cfg.layoutN;
  const sessionNames = names(n);
  const unsupported = await tmuxctlUnsupported(env);
  if (unsupported) cfg.progress(`  tmuxctl skipped: ${unsupported}`);
  const anatomy = unsupported ? undefined : await batchAnatomy(env, sessionNames);
  if (anatomy)
    cfg.progress(
      `  tmuxctl batch: ${anatomy.tmuxctl.commands} commands in ${anatomy.tmuxctl.batches} batch(es), ${anatomy.tmuxctl.processes.cold} tmux processes cold, ` +
        `${anatomy.tmuxctl.processes.noop} no-op (raw: ${anatomy.raw.commands} commands)`,
    );

  /** @type {Record<string, string[]>} */
  const failures = {};
  const methods = coldMethods(env, tools, sessionNames, unsupported ? undefined : anatomy.script, failures);
  // Warm the file cache, the tmux binary and Node's compile cache once, untimed (one session).
  for (const m of methods) if (!m.slow) await m.warm();
  const cold = await interleave(methods, { runs: cfg.layoutRuns, slowRuns: cfg.layoutSlowRuns }, (line) => cfg.progress(`  cold N=${n} ${line}`));

  const noop = await noopPhase(env, tools, sessionNames, unsupported, cfg);
  return {
    n,
    shape: { windows: 1, ...LAYOUT },
    runs: cfg.layoutRuns,
    noopRuns: cfg.layoutNoopRuns,
    slowRuns: cfg.layoutSlowRuns,
    tmuxctlSkipped: unsupported,
    skipped: ['tmuxp', 'tmuxinator'].filter((t) => !tools[t]),
    cold: { methods: methods.map(({ id, label }) => ({ id, label })), times: cold, failures },
    noop,
    anatomy,
  };
}

/**
 * Why tmuxctl cannot take part, or undefined when it can: this build's `validate` must accept a spec
 * with `windows:` (the section is useful before tmuxctl has windows and panes, for the other tools).
 * @param {import('../env.mjs').BenchEnv} env
 */
async function tmuxctlUnsupported(env) {
  const dir = env.dir('layout-probe');
  const spec = writeTmuxctlLayoutSpec(path.join(dir, 'spec.yaml'), ['probe']);
  const r = await tmuxctl(env, env.newSocket('layout-probe'), path.join(dir, 'state'), ['validate', '-f', spec], { check: false });
  if (r.code === 0) return undefined;
  const first = (r.err || r.out).trim().split('\n')[0] ?? '';
  return `this build of tmuxctl does not accept windows and panes (validate: ${first.replace(dir + path.sep, '').slice(0, 160)})`;
}

/**
 * Each session's panes as `name -> [window_name of each pane]`, read with one `list-panes -a`.
 * @param {import('../env.mjs').BenchEnv} env
 */
function panesBySession(env, socket) {
  const r = spawnSync(env.tmux, ['-L', socket, 'list-panes', '-a', '-F', '#{session_name} #{window_name} #{pane_id} #{pane_pid}'], {
    env: env.env,
    encoding: 'utf8',
    timeout: 20_000,
  });
  const by = new Map();
  for (const line of r.status === 0 ? r.stdout.split('\n').filter(Boolean) : []) {
    const [s, w, id, pid] = line.split(' ');
    if (!by.has(s)) by.set(s, []);
    by.get(s).push({ window: w, id, pid });
  }
  return by;
}

/** Throws unless every session has exactly LAYOUT.panes panes, all in the window LAYOUT.window. */
function expectLayout(env, socket, sessionNames, who) {
  const by = panesBySession(env, socket);
  if (by.size !== sessionNames.length) throw new Error(`${who}: expected ${sessionNames.length} sessions, found ${by.size}`);
  for (const s of sessionNames) {
    const panes = by.get(s) ?? [];
    if (panes.length !== LAYOUT.panes || panes.some((p) => p.window !== LAYOUT.window))
      throw new Error(`${who}: session ${s} has ${panes.length} panes in windows ${[...new Set(panes.map((p) => p.window))].join(',')}`);
  }
}

/** Every pane's id and pid, one line each: equal before and after a run means nothing was touched. */
function paneIdentity(env, socket) {
  return [...panesBySession(env, socket).entries()].flatMap(([s, panes]) => panes.map((p) => `${s} ${p.id} ${p.pid}`)).join('\n');
}

/**
 * @typedef {object} LayoutMethod
 * @property {string} id
 * @property {string} label
 * @property {boolean} [slow] a Python or Ruby process per call: not warmed
 * @property {() => Promise<void>} warm
 * @property {() => Promise<number>} run sets up, times one command (the ms returned), checks, tears down
 */

/**
 * @param {import('../env.mjs').BenchEnv} env
 * @param {import('../env.mjs').Tools} tools
 * @param {string | undefined} tmuxctlBatch the batch `tmuxctl apply` sent, for the replay; undefined: no tmuxctl
 * @param {Record<string, string[]>} failures filled in: per method, the first line of each failed (and retried) run
 * @returns {LayoutMethod[]}
 */
function coldMethods(env, tools, sessionNames, tmuxctlBatch, failures) {
  /** A method whose `build(names, socket)` returns the ms of the one timed command. */
  const method = (id, label, build, extra = {}) => {
    const attempt = async (list) => {
      const socket = env.newSocket(`layout-${id}`);
      try {
        const ms = await build(list, socket);
        expectLayout(env, socket, list, label);
        return ms;
      } finally {
        env.killServer(socket);
      }
    };
    // One failed run is retried once on a fresh server, and reported: tmuxinator's own script
    // (`tmux start-server`, then `has-session`) can meet the empty server while it exits.
    const once = async (list) => {
      try {
        return await attempt(list);
      } catch (e) {
        (failures[id] ??= []).push(firstLine(e));
        return attempt(list);
      }
    };
    return { id, label, ...extra, warm: () => once(['w0']).then(() => undefined), run: () => once(sessionNames) };
  };
  /** @type {LayoutMethod[]} */
  const list = [
    {
      id: 'node0',
      label: '`node -e 0`',
      warm: async () => void (await timed(process.execPath, ['-e', '0'])),
      run: async () => (await timed(process.execPath, ['-e', '0'])).ms,
    },
    method('raw', 'raw tmux, one `source-file -` batch', async (list, socket) => {
      const r = await timed(env.tmux, ['-L', socket, 'start-server', ';', 'source-file', '-'], { env: env.env, input: rawLayoutBatch(list) });
      return r.ms;
    }),
  ];
  if (tmuxctlBatch !== undefined) {
    list.push(
      method('tmuxctl', '`tmuxctl apply`', async (list, socket) => {
        const dir = env.dir('layout-apply', socket);
        const spec = writeTmuxctlLayoutSpec(path.join(dir, 'spec.yaml'), list);
        return (await tmuxctl(env, socket, path.join(dir, 'state'), ['apply', '-f', spec])).ms;
      }),
      // The batch is of N sessions: nothing to warm with one. Its variants split its time into the
      // commands that build the layout, the options and hooks, and the output logs.
      ...replays(env, sessionNames, tmuxctlBatch),
    );
  }
  if (tools.tmuxp)
    list.push(
      method(
        'tmuxp',
        '`tmuxp load -d` (all workspace files in one call)',
        async (list, socket) => {
          const files = writeTmuxpLayoutWorkspaces(env.dir('layout-tmuxp', socket), list);
          return (await timed(tools.tmuxp.path, ['load', '-y', '-d', '-L', socket, ...files], { env: { ...env.env, HOME: env.dir('home') } })).ms;
        },
        { slow: true },
      ),
    );
  if (tools.tmuxinator)
    list.push(
      method(
        'tmuxinator',
        '`tmuxinator start --no-attach` (one project per session)',
        async (list, socket) => {
          const script = writeTmuxinatorLayoutProjects(env.dir('layout-tmuxinator', socket), tools.tmuxinator.path, socket, list);
          return (await timed('/bin/sh', [script], { env: { ...env.env, HOME: env.dir('home') } })).ms;
        },
        { slow: true },
      ),
    );
  return list;
}

/** Commands that create or arrange windows and panes: the part of a batch the raw one also has. */
const BUILDS = new Set(['new-session', 'new-window', 'split-window', 'select-layout', 'respawn-pane', 'move-window', 'kill-pane', 'kill-window']);

/**
 * tmuxctl's batch replayed by one raw client: whole, without `pipe-pane`, and with only the commands
 * that build the layout (its own arguments: cwd, environment, names).
 * @param {import('../env.mjs').BenchEnv} env
 * @returns {LayoutMethod[]}
 */
function replays(env, sessionNames, batch) {
  const commands = commandWords(batch);
  const variants = [
    { id: 'replay', label: "tmuxctl's batch, replayed by one raw `tmux source-file -`", script: batch },
    {
      id: 'replayNoPipe',
      label: '… the same without `pipe-pane` (no output logs)',
      script: commandScript(commands.filter((w) => w[0] !== 'pipe-pane')),
    },
    {
      id: 'replayBuild',
      label: `… only its ${[...new Set(commands.map((w) => w[0]).filter((c) => BUILDS.has(c)))].join(', ')} (no options, hooks, logs)`,
      script: commandScript(commands.filter((w) => BUILDS.has(w[0]))),
    },
  ];
  return variants.map(({ id, label, script }) => ({
    id,
    label,
    warm: async () => {},
    run: async () => {
      const socket = env.newSocket(`layout-${id}`);
      const { ms } = await timed(env.tmux, ['-L', socket, 'start-server', ';', 'source-file', '-'], { env: env.env, input: script });
      expectLayout(env, socket, sessionNames, label);
      env.killServer(socket);
      return ms;
    },
  }));
}

/**
 * Runs every method `runs` times (a slow one `slowRuns` times, in the first rounds), run r of all of
 * them before run r+1, the order rotated each round.
 * @param {{ id: string, slow?: boolean, run: () => Promise<number> }[]} methods
 * @returns {Promise<Record<string, number[]>>}
 */
async function interleave(methods, { runs, slowRuns }, progress) {
  const times = Object.fromEntries(methods.map((m) => [m.id, []]));
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < methods.length; i++) {
      const m = methods[(i + r) % methods.length];
      if (m.slow && times[m.id].length >= slowRuns) continue;
      times[m.id].push(await m.run());
    }
    progress(`run ${r + 1}/${runs}: ${methods.map((m) => `${m.id} ${formatMs(times[m.id][r] ?? NaN)}`).join(', ')}`);
  }
  return times;
}

/**
 * A `tmux` shim first on PATH: appends its argv to a file, copies the stdin of a `source-file -`
 * client to another, then execs the real tmux.
 * @param {import('../env.mjs').BenchEnv} env
 */
function recordingShim(env) {
  const dir = env.dir('layout-shim');
  const argvFile = path.join(dir, 'argv.txt');
  const batchFile = path.join(dir, 'batch.txt');
  writeFileSync(
    path.join(dir, 'tmux'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvFile}'\ncase "$*" in\n  *"source-file -") tee -a '${batchFile}' | '${env.tmux}' "$@"; exit $? ;;\nesac\nexec '${env.tmux}' "$@"\n`,
  );
  chmodSync(path.join(dir, 'tmux'), 0o755);
  const read = (f) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return {
    env: { ...env.env, PATH: `${dir}:${env.env.PATH}` },
    reset: () => {
      rmSync(argvFile, { force: true });
      rmSync(batchFile, { force: true });
    },
    read: () => {
      const argv = read(argvFile).split('\n').filter(Boolean);
      return { argv, batches: argv.filter((a) => a.endsWith('source-file -')).length, script: read(batchFile) };
    },
  };
}

/**
 * Where tmuxctl's cold time goes, untimed: the tmux processes a cold and a no-op `apply` start, and
 * the commands of its batch by name, against the raw batch of the same layout.
 * @param {import('../env.mjs').BenchEnv} env
 */
async function batchAnatomy(env, sessionNames) {
  const shim = recordingShim(env);
  const socket = env.newSocket('layout-anatomy');
  const dir = env.dir('layout-anatomy');
  const spec = writeTmuxctlLayoutSpec(path.join(dir, 'spec.yaml'), sessionNames);
  const state = path.join(dir, 'state');
  shim.reset();
  await tmuxctl(env, socket, state, ['apply', '-f', spec], { env: shim.env });
  const cold = shim.read();
  expectLayout(env, socket, sessionNames, 'tmuxctl apply (anatomy)');
  shim.reset();
  const again = await tmuxctl(env, socket, state, ['apply', '-f', spec], { env: shim.env });
  const noop = shim.read();
  env.killServer(socket);
  const raw = rawLayoutBatch(sessionNames);
  const rawCounts = countCommands(raw);
  const counts = countCommands(cold.script);
  const total = (c) => Object.values(c).reduce((a, b) => a + b, 0);
  return {
    script: cold.script,
    noopOutput: again.out.trim().split('\n').at(-1),
    raw: { commands: total(rawCounts), counts: rawCounts, processes: { cold: 1 } },
    tmuxctl: {
      commands: total(counts),
      counts,
      batches: cold.batches,
      processes: { cold: cold.argv.length, noop: noop.argv.length },
      argv: { cold: cold.argv.map(shortArgv), noop: noop.argv.map(shortArgv) },
    },
  };
}

const shortArgv = (a) => a.replace(/^-L \S+ /, '').split(' -F ')[0];

/**
 * The no-op phase: each tool's own server holds the N sessions it built (untimed); then, side by
 * side, each tool is run again. Every run must leave every pane as it was (same pane ids and pids).
 * Last, untimed: one pane of the first session is killed by hand and each tool is run once more.
 * @param {import('../env.mjs').BenchEnv} env
 * @param {import('../env.mjs').Tools} tools
 */
async function noopPhase(env, tools, sessionNames, unsupported, cfg) {
  const servers = [];
  /** A server of its own for each tool, which builds the layout on it (untimed). */
  const server = async (id, build) => {
    const socket = env.newSocket(`layout-noop-${id}`);
    await build(socket);
    expectLayout(env, socket, sessionNames, `${id} (no-op set-up)`);
    servers.push(socket);
    return socket;
  };
  const home = env.dir('home');
  const rawSocket = await server('raw', (socket) =>
    timed(env.tmux, ['-L', socket, 'start-server', ';', 'source-file', '-'], { env: env.env, input: rawLayoutBatch(sessionNames) }),
  );
  /**
   * @type {{ id: string, label: string, does: string, socket?: string, again?: () => Promise<unknown>,
   *   report?: () => Promise<import('../proc.mjs').TimedResult>, slow?: boolean, run: () => Promise<number> }[]}
   */
  const methods = [
    { id: 'node0', label: '`node -e 0`', does: 'starts Node, nothing else', run: async () => (await timed(process.execPath, ['-e', '0'])).ms },
    {
      id: 'listPanes',
      label: '`tmux list-panes -a`',
      does: 'one observation of every pane',
      run: async () => (await timed(env.tmux, ['-L', rawSocket, 'list-panes', '-a'], { env: env.env })).ms,
    },
  ];
  /** Adds a method that runs `again()` on `socket` and checks that it touched no pane. */
  const untouched = (id, label, does, socket, again, slow = false) => {
    methods.push({
      id,
      label,
      does,
      socket,
      again,
      slow,
      run: async () => {
        const before = paneIdentity(env, socket);
        const { ms } = /** @type {{ ms: number }} */ (await again());
        if (paneIdentity(env, socket) !== before) throw new Error(`${label}: changed the panes of a layout already in place`);
        return ms;
      },
    });
  };
  if (!unsupported) {
    const dir = env.dir('layout-noop-tmuxctl');
    const spec = writeTmuxctlLayoutSpec(path.join(dir, 'spec.yaml'), sessionNames);
    const state = path.join(dir, 'state');
    const apply = (socket) => tmuxctl(env, socket, state, ['apply', '-f', spec]);
    const socket = await server('tmuxctl', apply);
    untouched('tmuxctl', '`tmuxctl apply` (no-op)', 'observes, plans, finds every pane in sync', socket, () => apply(socket));
    // diff exits 1 when something is pending: the repair check below wants to see that, not a throw.
    const diff = () => tmuxctl(env, socket, state, ['diff', '-f', spec], { check: false });
    untouched('diff', '`tmuxctl diff`', 'observes, plans, prints that nothing is to do', socket, async () => {
      const r = await diff();
      if (r.code !== 0) throw new Error(`tmuxctl diff of a layout in place exited ${r.code}: ${r.out.slice(0, 300)}`);
      return r;
    });
    methods.at(-1).report = diff;
  }
  if (tools.tmuxp) {
    const files = writeTmuxpLayoutWorkspaces(env.dir('layout-noop-tmuxp'), sessionNames);
    const load = (socket) => timed(tools.tmuxp.path, ['load', '-y', '-d', '-L', socket, ...files], { env: { ...env.env, HOME: home } });
    const socket = await server('tmuxp', load);
    untouched(
      'tmuxp',
      '`tmuxp load -d` again',
      'per file: the session exists, so it is left as it is (nothing inside is looked at)',
      socket,
      () => load(socket),
      true,
    );
  }
  if (tools.tmuxinator) {
    const dir = env.dir('layout-noop-tmuxinator');
    const scripts = new Map();
    const start = (socket) => {
      if (!scripts.has(socket)) scripts.set(socket, writeTmuxinatorLayoutProjects(dir, tools.tmuxinator.path, socket, sessionNames));
      return timed('/bin/sh', [scripts.get(socket)], { env: { ...env.env, HOME: home } });
    };
    const socket = await server('tmuxinator', start);
    untouched(
      'tmuxinator',
      '`tmuxinator start --no-attach` again',
      'per project: the session exists, so nothing is done (nothing inside is looked at)',
      socket,
      () => start(socket),
      true,
    );
  }

  for (const m of methods) await m.run(); // warm-up
  const times = await interleave(methods, { runs: cfg.layoutNoopRuns, slowRuns: cfg.layoutSlowRuns }, (line) =>
    cfg.progress(`  no-op N=${sessionNames.length} ${line}`),
  );

  // A pane killed by hand, then the tool run again: is the layout whole again? `diff` goes first and
  // only reports; the `apply` after it on the same server then finds the same pane missing.
  const repair = {};
  const order = [...methods.filter((m) => m.report), ...methods.filter((m) => m.again && !m.report)];
  for (const m of order) {
    const first = sessionNames[0];
    const before = panesBySession(env, m.socket).get(first)?.length ?? 0;
    if (before === LAYOUT.panes) spawnSync(env.tmux, ['-L', m.socket, 'kill-pane', '-t', `=${first}:${LAYOUT.window}.1`], { env: env.env, timeout: 20_000 });
    const left = panesBySession(env, m.socket).get(first)?.length ?? 0;
    if (m.report) {
      const r = await m.report();
      repair[m.id] = `reports it (exit ${r.code}: ${r.out.trim().split('\n')[0]?.slice(0, 80) ?? ''})`;
      continue;
    }
    await m.again().catch((e) => cfg.progress(`  ${m.label} after kill-pane: ${e.message.slice(0, 200)}`));
    const after = panesBySession(env, m.socket).get(first)?.length ?? 0;
    repair[m.id] = after === LAYOUT.panes ? `restored (${left} → ${after} panes)` : `not restored (${left} → ${after} of ${LAYOUT.panes} panes)`;
  }
  for (const s of servers) env.killServer(s);
  cfg.progress(
    `  repair after kill-pane: ${Object.entries(repair)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  return { methods: methods.map(({ id, label, does }) => ({ id, label, does })), times, repair };
}

/** @param {unknown} e */
const firstLine = (e) =>
  (e instanceof Error ? e.message : String(e))
    .replace(/^.*? exited \d+: /, '')
    .split('\n')[0]
    .slice(0, 120);

const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length });

/** The tables of the section: cold, no-op, and the batches compared. */
export function layoutTables(d) {
  const cold = Object.fromEntries(Object.entries(d.cold.times).map(([id, xs]) => [id, stats(xs)]));
  const noop = Object.fromEntries(Object.entries(d.noop.times).map(([id, xs]) => [id, stats(xs)]));
  const shape = `${d.n} × ${d.shape.panes} panes`;
  const tables = [
    {
      caption: `Cold: ${d.n} sessions of one window of ${d.shape.panes} panes (\`${d.shape.layout}\`), from nothing, fresh tmux server per run`,
      columns: ['N', 'method', 'median', 'min', 'max', 'runs', '÷ raw batch', '÷ tmuxctl (above 1: tmuxctl faster)', 'failed runs (each retried once)'],
      rows: d.cold.methods.map((m) => {
        const s = cold[m.id];
        const failed = d.cold.failures?.[m.id] ?? [];
        return [
          shape,
          m.label,
          formatMs(s.median),
          formatMs(s.min),
          formatMs(s.max),
          s.runs,
          m.id === 'node0' ? '' : formatRatio(s.median / cold.raw.median),
          cold.tmuxctl && !['node0', 'tmuxctl'].includes(m.id) && !m.id.startsWith('replay') ? formatRatio(s.median / cold.tmuxctl.median) : '',
          failed.length ? `${failed.length}: ${[...new Set(failed)].join('; ')}` : '',
        ];
      }),
    },
    {
      caption: `Again, with all ${d.n} sessions in place (every run checked to leave every pane id and pid unchanged)`,
      columns: ['N', 'command', 'median', 'min', 'max', 'runs', '÷ node -e 0', '÷ tmux list-panes -a', 'what it does', `one pane killed by hand, run again`],
      rows: d.noop.methods.map((m) => {
        const s = noop[m.id];
        return [
          shape,
          m.label,
          formatMs(s.median),
          formatMs(s.min),
          formatMs(s.max),
          s.runs,
          m.id === 'node0' ? '' : formatRatio(s.median / noop.node0.median),
          ['node0', 'listPanes'].includes(m.id) ? '' : formatRatio(s.median / noop.listPanes.median),
          m.does,
          d.noop.repair[m.id] ?? '',
        ];
      }),
    },
  ];
  if (d.anatomy) {
    const a = d.anatomy;
    const names = [...new Set([...Object.keys(a.tmuxctl.counts), ...Object.keys(a.raw.counts)])];
    const per = (c) => (c === undefined ? '0' : `${c} (${+(c / d.n).toFixed(2)} per session)`);
    tables.push({
      caption: `The batches compared (${d.n} sessions × ${d.shape.panes} panes), counted from the batch tmuxctl sent`,
      columns: ['', 'raw batch', '`tmuxctl apply`'],
      rows: [
        ['tmux processes, cold', String(a.raw.processes.cold), `${a.tmuxctl.processes.cold} (${a.tmuxctl.argv.cold.join('; ')})`],
        ['tmux processes, no-op', '-', `${a.tmuxctl.processes.noop} (${a.tmuxctl.argv.noop.join('; ')})`],
        ['`source-file -` batches, cold', '1', String(a.tmuxctl.batches)],
        ['commands in the batch', per(a.raw.commands), per(a.tmuxctl.commands)],
        ...names.map((k) => [`\`${k}\``, per(a.raw.counts[k]), per(a.tmuxctl.counts[k])]),
      ],
    });
  }
  return tables;
}

/** The section's targets (issue 9: "a no-op apply is still one tmux call, whatever the number of panes"). */
export function layoutTargets(d, add) {
  if (!d.anatomy) {
    add('layout', `cold and no-op apply of ${d.n} × ${d.shape.panes} panes`, 'measured', `skipped: ${d.tmuxctlSkipped}`, undefined);
    return;
  }
  const a = d.anatomy.tmuxctl;
  add('layout', `tmux processes, no-op apply of ${d.n} × ${d.shape.panes} panes`, '1', String(a.processes.noop), a.processes.noop === 1);
  add('layout', `\`source-file\` batches, cold apply of ${d.n} × ${d.shape.panes} panes`, '1', String(a.batches), a.batches === 1);
}
