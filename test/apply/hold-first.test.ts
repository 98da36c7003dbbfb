import { localMachine } from '../../src/host/local-procs.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { executePlan } from '../../src/apply/execute.js';
import { managedPanes } from '../../src/observe/types.js';
import { planVerb } from '../../src/plan/operate.js';
import type { TmuxClient } from '../../src/tmux/client.js';
import { isProcessAlive } from '../helpers/tmux.js';
import { running, spec } from '../helpers/model.js';

const children: number[] = [];
afterEach(() => {
  for (const pid of children.splice(0)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
});

/** A tmux that refuses every line that stamps a pane (the pane went away, the server said no). */
function refusingStamps(): { tmux: TmuxClient; scripts: string[][] } {
  const scripts: string[][] = [];
  const tmux = {
    runScript: async (lines: readonly string[]) => {
      scripts.push([...lines]);
      return lines.some((l) => l.includes('@tmuxctl-stamp')) ? ["can't find pane: %99"] : [];
    },
  } as unknown as TmuxClient;
  return { tmux, scripts };
}

describe('stop stamps its hold first', () => {
  it('a hold tmux did not record is not followed by the stop: the process runs on, the error is reported', async () => {
    const child = spawn('sleep', ['100000'], { stdio: 'ignore' });
    children.push(child.pid!);
    const live = running(spec('held', { stopTimeoutSeconds: 1 }));
    const pane = live.windows[0]!.panes[0]!;
    pane.pid = child.pid!;
    const [m] = managedPanes(live).values();
    const plan = planVerb('stop', [{ managed: m! }]);
    const logDir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-hold-'));
    try {
      const { tmux, scripts } = refusingStamps();
      const { errors } = await executePlan(localMachine(tmux), plan, { logDir });
      expect(scripts[0]?.some((l) => l.includes('o=stopped'))).toBe(true); // the hold went first
      expect(isProcessAlive(child.pid!)).toBe(true);
      expect(errors.join('\n')).toContain('a hold could not be recorded');
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});
