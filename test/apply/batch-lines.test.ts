import { localMachine } from '../../src/host/local-procs.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { executePlan } from '../../src/apply/execute.js';
import { plan } from '../../src/plan/plan.js';
import type { Plan } from '../../src/plan/types.js';
import type { TmuxClient } from '../../src/tmux/client.js';
import { globalWakeHooks } from '../../src/tmux/commands.js';
import { dead, desired, MANUAL, observed, spec, windowed } from '../helpers/model.js';

/**
 * What a batch says to tmux, read off a recording client: the commands per session that a cold
 * apply pays for (every option or hook command makes tmux recompute every session's status).
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function batchOf(p: Plan, extraLines?: string[]): Promise<string[]> {
  const scripts: string[][] = [];
  const tmux = {
    runScript: async (lines: readonly string[]) => {
      scripts.push([...lines]);
      return [];
    },
  } as unknown as TmuxClient;
  const logDir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-batch-'));
  dirs.push(logDir);
  await executePlan(localMachine(tmux), p, { logDir, ...(extraLines && { extraLines }) });
  return scripts.flat();
}

/** The tmux commands of a batch, one per entry (a line holds an action's commands joined by ' ; '). */
const commands = (lines: string[]) => lines.flatMap((l) => l.split(/(?<=') ; (?=')/));
const named = (cmds: string[], verb: string) => cmds.filter((c) => c.startsWith(`'${verb}'`));

describe('the pane-died hook is set once per server, not on every window', () => {
  it('a create batch sets the global hooks once, first, and no window hook', async () => {
    const sessions = ['a', 'b', 'c'].map((n) => spec(n));
    const cmds = commands(await batchOf(plan(desired(sessions), observed(), MANUAL)));
    expect(named(cmds, 'set-hook').filter((c) => c.includes("'-w'"))).toEqual([]);
    const hooks = named(cmds, 'set-hook');
    expect(hooks).toEqual(globalWakeHooks());
    expect(hooks.some((h) => h.includes("'pane-died[7291]'"))).toBe(true);
    expect(cmds.slice(0, hooks.length)).toEqual(hooks);
  });

  it('a restart batch sets the global hooks too (a pane respawned here wakes a watch that never acted on this server)', async () => {
    const s = spec('r');
    const cmds = commands(await batchOf(plan(desired([s]), observed(dead(s, { status: 1 })), MANUAL)));
    expect(named(cmds, 'respawn-pane')).toHaveLength(1);
    expect(named(cmds, 'set-hook')).toEqual(globalWakeHooks());
  });

  it("watch's own hook lines are not sent twice", async () => {
    const cmds = commands(await batchOf(plan(desired([spec('w')]), observed(), MANUAL), globalWakeHooks()));
    expect(named(cmds, 'set-hook')).toEqual(globalWakeHooks());
  });

  it('a batch that starts nothing sets no hook', async () => {
    const s = spec('gone');
    const cmds = commands(await batchOf(plan(desired([]), observed(dead(s, { status: 1 })), MANUAL)));
    expect(named(cmds, 'kill-session')).toHaveLength(1);
    expect(named(cmds, 'set-hook')).toEqual([]);
  });
});

describe('a new session is not sent commands that change nothing', () => {
  it('one window: no select-window (the only window is already current)', async () => {
    const cmds = commands(await batchOf(plan(desired([spec('one')]), observed(), MANUAL)));
    expect(named(cmds, 'select-window')).toEqual([]);
  });

  it('several windows: the first is made current again', async () => {
    const s = windowed('multi', [{ name: 'x' }, { name: 'y' }]);
    const cmds = commands(await batchOf(plan(desired([s]), observed(), MANUAL)));
    expect(named(cmds, 'select-window')).toEqual(["'select-window' '-t' '=multi:{start}'"]);
  });
});

describe('ownership and source in one session option', () => {
  it('a new session gets @tmuxctl-source only (no @tmuxctl-hash): one session option', async () => {
    const cmds = commands(await batchOf(plan(desired([spec('owned')]), observed(), MANUAL)));
    const sessionOptions = named(cmds, 'set-option').filter((c) => !c.includes("'-w'") && !c.includes("'-p'"));
    expect(sessionOptions).toEqual(["'set-option' '-t' '=owned:' '@tmuxctl-source' '/specs/app.yaml'"]);
  });
});
