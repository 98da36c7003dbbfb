import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { executePlan } from '../../src/apply/execute.js';
import { localMachine } from '../../src/host/local-procs.js';
import { plan } from '../../src/plan/plan.js';
import type { Plan } from '../../src/plan/types.js';
import type { TmuxClient } from '../../src/tmux/client.js';
import { dead, desired, MANUAL, observed, spec, windowed } from '../helpers/model.js';

/**
 * tmux 3.3a waits for a pane's unread output before closing its terminal only while a pipe-pane is
 * open (window_pane_destroy_ready); without one, output a process printed just before it exited is
 * dropped as soon as tmux handles the exit (7 of 100 print-and-exit runs with plain tmux, no load).
 * The pipe is opened in the same batch line as the start: tmux runs a line's commands without going
 * back to its event loop, so it cannot handle the death before the pipe is there. A control client's
 * lines arrive in chunks: a pipe-pane on a later line could come after the death.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function batchOf(p: Plan): Promise<string[]> {
  const lines: string[] = [];
  const tmux = {
    runScript: async (l: readonly string[]) => {
      lines.push(...l);
      return [];
    },
  } as unknown as TmuxClient;
  const logDir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-pipe-'));
  dirs.push(logDir);
  await executePlan(localMachine(tmux), p, { logDir });
  return lines;
}

const STARTS = /^'(new-session|new-window|split-window|respawn-pane)'/;
/** Per line: each command's verb, in order (a line holds an action's commands joined by ' ; '). */
const verbs = (line: string) => line.split(/(?<=') ; (?=')/).map((c) => /^'([a-z-]+)'/.exec(c)?.[1] ?? '');

function expectPipeAfterEachStart(lines: readonly string[]): void {
  const starting = lines.filter((l) => verbs(l).some((v) => STARTS.test(`'${v}'`)));
  expect(starting.length).toBeGreaterThan(0);
  for (const line of starting) {
    const vs = verbs(line);
    // Each start is followed, on its own line and before the next start, by its pipe-pane.
    const starts = vs.flatMap((v, i) => (STARTS.test(`'${v}'`) ? [i] : []));
    for (const [n, at] of starts.entries()) {
      const next = starts[n + 1] ?? vs.length;
      expect(vs.slice(at + 1, next), line).toContain('pipe-pane');
    }
  }
}

describe('the log pipe is opened in the same line as the pane it logs', () => {
  it('a new session of two windows of two panes', async () => {
    const s = windowed('w', [
      { name: 'a', panes: [{}, {}] },
      { name: 'b', panes: [{}, {}] },
    ]);
    expectPipeAfterEachStart(await batchOf(plan(desired([s]), observed(), MANUAL)));
  });

  it('a restart (respawn-pane)', async () => {
    const s = spec('r');
    expectPipeAfterEachStart(await batchOf(plan(desired([s]), observed(dead(s, { status: 1 })), MANUAL)));
  });
});
