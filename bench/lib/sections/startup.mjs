import path from 'node:path';
import { cliPath, repoRoot } from '../env.mjs';
import { timed } from '../proc.mjs';
import { formatMs, formatRatio, median } from '../stats.mjs';

/**
 * Section 6: CLI start-up, `--help` and `validate` of the examples, side by side with `node -e 0`.
 * @param {import('../env.mjs').BenchEnv} env
 */
export async function startupSection(env, cfg) {
  const methods = [
    { id: 'node0', label: '`node -e 0`', args: ['-e', '0'] },
    { id: 'help', label: '`tmuxctl --help`', args: [cliPath, '--help'] },
    { id: 'version', label: '`tmuxctl --version`', args: [cliPath, '--version'] },
    { id: 'validate', label: '`tmuxctl validate -f examples`', args: [cliPath, 'validate', '-f', path.join(repoRoot, 'examples')] },
  ];
  const times = Object.fromEntries(methods.map((m) => [m.id, []]));
  const runEnv = env.env;
  for (const m of methods) await timed(process.execPath, m.args, { env: runEnv, cwd: repoRoot });
  for (let r = 0; r < cfg.startupRuns; r++) {
    for (let i = 0; i < methods.length; i++) {
      const m = methods[(i + r) % methods.length];
      times[m.id].push((await timed(process.execPath, m.args, { env: runEnv, cwd: repoRoot })).ms);
    }
  }
  const med = Object.fromEntries(methods.map((m) => [m.id, median(times[m.id])]));
  cfg.progress(`  start-up: ${methods.map((m) => `${m.id} ${formatMs(med[m.id])}`).join(', ')}`);
  return { runs: cfg.startupRuns, methods: methods.map(({ id, label }) => ({ id, label })), median: med, times };
}

export function startupTable(d) {
  return {
    columns: ['command', `median (${d.runs} runs)`, '÷ node -e 0'],
    rows: d.methods.map((m) => [m.label, formatMs(d.median[m.id]), m.id === 'node0' ? '' : formatRatio(d.median[m.id] / d.median.node0)]),
  };
}
