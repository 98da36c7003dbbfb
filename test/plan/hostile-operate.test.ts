/**
 * Hostile plan tests of the verbs: what a person does to a pane between tmuxctl's looks (runs a
 * command by hand in a stopped pane) must not make a verb report what is not so.
 */
import { describe, expect, it } from 'vitest';
import { managedPanes } from '../../src/observe/types.js';
import { planVerb } from '../../src/plan/operate.js';
import type { Command } from '../../src/spec/types.js';
import { running, spec } from '../helpers/model.js';

const argv = (...a: string[]): Command => ({ kind: 'argv', argv: a });

describe('stop, hostile', () => {
  it('stops a stopped pane that runs again (respawn-pane by hand): the hold stays, the process goes', () => {
    const s = spec('claude_a', { command: argv('claude') });
    // Stopped, then `tmux respawn-pane -k -t ... bash` by hand: the pane keeps its stamp (hold included) and runs.
    const live = running(s);
    const [m] = managedPanes(live).values();
    m!.pane.stamp = { ...m!.stamp, hold: 'stopped' };
    const p = planVerb('stop', [{ managed: { ...m!, stamp: m!.pane.stamp } }]);
    expect(p.unchanged).toEqual([]);
    expect(p.actions).toMatchObject([
      { kind: 'stop', target: 'claude_a', reason: 'stop requested', stamp: { hold: 'stopped' }, stops: [{ pid: m!.pane.pid, dead: false }] },
    ]);
  });
});
