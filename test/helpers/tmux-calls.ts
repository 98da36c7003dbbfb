import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TmuxServer } from './tmux.js';

export const realTmux = execFileSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).trim();

/** A `tmux` wrapper first on PATH: logs each call, answers -V with `version` (real tmux when undefined). */
export function tmuxCallLog(t: TmuxServer, name: string, version?: string): { env: Record<string, string>; calls: () => string[] } {
  const dir = t.path(name);
  mkdirSync(dir, { recursive: true });
  const log = path.join(dir, 'calls');
  const answer = version === undefined ? '' : `case " $* " in *" -V "*) echo "tmux ${version}"; exit 0;; esac\n`;
  writeFileSync(path.join(dir, 'tmux'), `#!/bin/sh\necho "$*" >> '${log}'\n${answer}exec '${realTmux}' "$@"\n`);
  chmodSync(path.join(dir, 'tmux'), 0o755);
  return {
    env: { PATH: `${dir}:${t.env.PATH}` },
    calls: () => {
      try {
        return readFileSync(log, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}
