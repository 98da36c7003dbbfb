import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { which } from '../env.mjs';
import { names, writeTmuxctlSpec } from '../fixtures.mjs';
import { tmuxctl } from '../tools.mjs';

/**
 * A folder put first on PATH for tmuxctl only, with `tmux` and `flock` shims that append their argv
 * to a count file and exec the real program. The tmux server forks from the first client (no exec),
 * and the commands tmux itself runs are not tmux, so each line is one process tmuxctl spawned.
 * @param {import('../env.mjs').BenchEnv} env
 */
export function countingShims(env) {
  const dir = env.dir('shims');
  const countFile = path.join(dir, 'count.txt');
  for (const name of ['tmux', 'flock']) {
    const real = which(name);
    if (!real) continue;
    writeFileSync(path.join(dir, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> '${countFile}'\nexec '${real}' "$@"\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  return {
    env: { ...env.env, PATH: `${dir}:${env.env.PATH}` },
    reset: () => rmSync(countFile, { force: true }),
    read: () => {
      const lines = existsSync(countFile) ? readFileSync(countFile, 'utf8').split('\n').filter(Boolean) : [];
      const tmux = lines.filter((l) => l.startsWith('tmux '));
      return {
        tmux: tmux.length,
        flock: lines.length - tmux.length,
        commands: tmux.map(
          (l) =>
            l
              .replace(/^tmux -L \S+ /, '')
              .replace(/^start-server ; /, '')
              .split(' -F ')[0],
        ),
      };
    },
  };
}

/**
 * Section 4: processes spawned per `apply`, no-op and cold, at each N.
 * @param {import('../env.mjs').BenchEnv} env
 */
export async function spawnsSection(env, cfg) {
  const shims = countingShims(env);
  const rows = [];
  for (const n of cfg.spawnNs) {
    for (const startSeconds of [0, 1]) {
      const socket = env.newSocket('count');
      const dir = env.dir('count', socket);
      const spec = writeTmuxctlSpec(path.join(dir, 'spec.yaml'), names(n), { startSeconds });
      const state = path.join(dir, 'state');
      for (const kind of ['cold', 'no-op']) {
        shims.reset();
        await tmuxctl(env, socket, state, ['apply', '-f', spec], { env: shims.env });
        const c = shims.read();
        rows.push({ n, startSeconds, kind, ...c });
        cfg.progress(`  N=${n} startSeconds ${startSeconds} ${kind}: ${c.tmux} tmux (${c.commands.join(' | ')}), ${c.flock} flock`);
      }
      env.killServer(socket);
    }
  }
  return { rows };
}

export function spawnsTable(d) {
  return {
    columns: ['N', 'apply', 'startSeconds', 'tmux processes', 'which', 'other processes'],
    rows: d.rows
      .filter((r) => !(r.kind === 'no-op' && r.startSeconds === 1))
      .map((r) => [r.n, r.kind, r.kind === 'no-op' ? '-' : r.startSeconds, r.tmux, r.commands.join('; '), `${r.flock} flock`]),
  };
}
