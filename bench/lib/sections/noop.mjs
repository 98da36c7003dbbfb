import path from 'node:path';
import { names, writeTmuxctlSpec } from '../fixtures.mjs';
import { timed } from '../proc.mjs';
import { formatMs, formatRatio, median } from '../stats.mjs';
import { tmuxctl } from '../tools.mjs';

/**
 * Section 3: `apply` and `diff` when there is nothing to do, N sessions already converged, side by
 * side with `node -e 0` (the floor of any Node CLI) and one `tmux list-panes -a` (the floor of any
 * observation of tmux).
 * @param {import('../env.mjs').BenchEnv} env
 */
export async function noopSection(env, cfg) {
  const n = cfg.noopN;
  const socket = env.newSocket('noop');
  const dir = env.dir('noop');
  const state = path.join(dir, 'state');
  const spec = writeTmuxctlSpec(path.join(dir, 'spec.yaml'), names(n), { startSeconds: 0 });
  await tmuxctl(env, socket, state, ['apply', '-f', spec]);
  const methods = [
    { id: 'node0', label: '`node -e 0`', run: () => timed(process.execPath, ['-e', '0']) },
    { id: 'listPanes', label: '`tmux list-panes -a`', run: () => timed(env.tmux, ['-L', socket, 'list-panes', '-a'], { env: env.env }) },
    {
      id: 'apply',
      label: '`tmuxctl apply` (no-op)',
      run: async () => {
        const r = await tmuxctl(env, socket, state, ['apply', '-f', spec]);
        if (!r.out.includes('in sync')) throw new Error(`no-op apply did something: ${r.out.slice(0, 300)}`);
        return r;
      },
    },
    { id: 'diff', label: '`tmuxctl diff`', run: () => tmuxctl(env, socket, state, ['diff', '-f', spec]) },
  ];
  const times = Object.fromEntries(methods.map((m) => [m.id, []]));
  for (const m of methods) await m.run(); // warm-up
  for (let r = 0; r < cfg.noopRuns; r++) {
    for (let i = 0; i < methods.length; i++) {
      const m = methods[(i + r) % methods.length];
      times[m.id].push((await m.run()).ms);
    }
  }
  env.killServer(socket);
  const med = Object.fromEntries(methods.map((m) => [m.id, median(times[m.id])]));
  cfg.progress(`  no-op N=${n}: ${methods.map((m) => `${m.id} ${formatMs(med[m.id])}`).join(', ')}`);
  return { n, runs: cfg.noopRuns, methods: methods.map((m) => ({ id: m.id, label: m.label })), median: med, times };
}

export function noopTable(d) {
  return {
    columns: ['N', 'command', `median (${d.runs} runs)`, '÷ node -e 0', '÷ tmux list-panes -a'],
    rows: d.methods.map((m) => [
      d.n,
      m.label,
      formatMs(d.median[m.id]),
      m.id === 'node0' ? '' : formatRatio(d.median[m.id] / d.median.node0),
      ['apply', 'diff'].includes(m.id) ? formatRatio(d.median[m.id] / d.median.listPanes) : '',
    ]),
  };
}
