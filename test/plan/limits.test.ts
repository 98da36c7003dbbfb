import { describe, expect, it } from 'vitest';
import { managedPanes } from '../../src/observe/types.js';
import { planVerb } from '../../src/plan/operate.js';
import { plan } from '../../src/plan/plan.js';
import { paneStatuses } from '../../src/plan/status.js';
import type { Action } from '../../src/plan/types.js';
import type { Command } from '../../src/spec/types.js';
import { dead, desired, MANUAL, NOW, observed, observedWith, paneOf, running, spec, text, WATCH } from '../helpers/model.js';

const argv = (...a: string[]): Command => ({ kind: 'argv', argv: a });
const limited = (o: Parameters<typeof spec>[1] = {}) =>
  spec('bot', {
    command: argv('bot'),
    maxRestarts: { count: 3, withinSeconds: 300 },
    backoff: { initialSeconds: 0, maxSeconds: 0, resetAfterSeconds: 600 },
    ...o,
  });
const restartOf = (actions: Action[]) => actions.find((a): a is Extract<Action, { kind: 'restart' }> => a.kind === 'restart');

describe('maxRestarts', () => {
  it('records each automatic restart, then gives up on the one past the limit: held failed, told as gave-up', () => {
    const s = limited();
    const first = plan(desired([s]), observed(dead(s, { status: 1 })), WATCH);
    expect(restartOf(first.actions)!.pane.stamp.recentRestarts).toEqual([NOW]);

    const recent = [NOW - 50_000, NOW - 20_000, NOW - 5_000];
    const p = plan(desired([s]), observed(dead(s, { status: 1 }, { recentRestarts: recent })), WATCH);
    expect(text(p)).toEqual(['give-up bot (exited with status 1; restarted 3 times within 300s (maxRestarts))']);
    expect(p.actions[0]).toMatchObject({ kind: 'give-up', stamp: { hold: 'failed', recentRestarts: recent } });
  });

  it('counts only restarts within the window (old ones fall out)', () => {
    const s = limited();
    const p = plan(desired([s]), observed(dead(s, { status: 1 }, { recentRestarts: [NOW - 400_000, NOW - 350_000, NOW - 5_000] })), WATCH);
    expect(restartOf(p.actions)!.pane.stamp.recentRestarts).toEqual([NOW - 5_000, NOW]);
  });

  it('a failed pane stays as it is, shows failed; a spec change or --force starts it again with the count cleared', () => {
    const s = limited();
    const failed = () => dead(s, { status: 1 }, { hold: 'failed', recentRestarts: [NOW - 1000] });
    expect(plan(desired([s]), observed(failed()), WATCH).actions).toEqual([]);
    expect(paneStatuses(desired([s]), observed(failed()))[0]?.state).toBe('failed');
    const changed = limited({ command: argv('bot', '--fixed') });
    const p = plan(desired([changed]), observed(failed()), WATCH);
    expect(text(p)).toEqual(['restart bot (command changed)']);
    expect(restartOf(p.actions)!.pane.stamp.hold).toBeUndefined();
    expect(restartOf(p.actions)!.pane.stamp.recentRestarts).toBeUndefined();
    expect(text(plan(desired([s]), observed(failed()), { ...MANUAL, force: true }))).toEqual(['restart bot (forced, was failed)']);
  });

  it('tmuxctl start clears failed', () => {
    const s = limited();
    const [m] = managedPanes(dead(s, { status: 1 }, { hold: 'failed' })).values();
    expect(planVerb('start', [{ managed: m!, spec: s.windows[0]!.panes[0]! }]).actions.map((a) => a.reason)).toEqual(['start requested, was failed']);
  });

  it('a failed health check or memory verdict counts against the limit too, and the running tree is stopped', () => {
    const s = limited();
    const live = running(s);
    const pane = paneOf(live, 'bot');
    Object.assign(pane.stamp!, { recentRestarts: [NOW - 3000, NOW - 2000, NOW - 1000] });
    const unhealthy = new Map([['bot', { since: NOW - 10, startedAt: pane.stamp!.startedAt!, detail: 'memory 812 MB over the limit of 512 MB' }]]);
    const p = plan(desired([s]), observedWith([live], { unhealthy }), MANUAL);
    expect(p.actions).toMatchObject([{ kind: 'give-up', stops: [{ pid: pane.pid, dead: false }] }]);
  });

  it('without maxRestarts nothing is recorded on the stamp (it does not grow)', () => {
    const s = spec('plain', { command: argv('x') });
    expect(restartOf(plan(desired([s]), observed(dead(s, { status: 1 })), WATCH).actions)!.pane.stamp.recentRestarts).toBeUndefined();
  });
});
