import { describe, expect, it } from 'vitest';
import { managedPanes, type ObservedSession } from '../../src/observe/types.js';
import { planVerb } from '../../src/plan/operate.js';
import { plan } from '../../src/plan/plan.js';
import { parseVerbTargets, selectPanes } from '../../src/plan/select-targets.js';
import { paneStatuses } from '../../src/plan/status.js';
import type { Action, Plan } from '../../src/plan/types.js';
import type { Command } from '../../src/spec/types.js';
import { dead, desired, foreign, MANUAL, NOW, observed, observedWith, paneOf, running, spec, text, WATCH, windowed } from '../helpers/model.js';

const argv = (...a: string[]): Command => ({ kind: 'argv', argv: a });
const claude = (o: Parameters<typeof spec>[1] = {}) => spec('claude_a', { command: argv('claude'), restartCommand: argv('claude', '--continue'), ...o });
const restartOf = (p: Plan) => p.actions.find((a): a is Extract<Action, { kind: 'restart' }> => a.kind === 'restart');

describe('update strategies', () => {
  const changed = (update: 'restart' | 'when-detached' | 'on-exit') => {
    const old = claude({ update });
    const next = claude({ update, command: argv('claude', '--model', 'opus') });
    return { old, next };
  };

  it('restart (the default): a change restarts at once, attached or not', () => {
    const { old, next } = changed('restart');
    expect(text(plan(desired([next]), observed(running(old, { attached: 2 })), WATCH))).toEqual(['restart claude_a (command changed)']);
  });

  it('when-detached: no restart while a client is attached, the reason says how many', () => {
    const { old, next } = changed('when-detached');
    const p = plan(desired([next]), observed(running(old, { attached: 1 })), WATCH);
    expect(p.actions).toEqual([]);
    expect(p.waiting).toEqual([{ session: 'claude_a', target: 'claude_a', reason: 'waiting for 1 attached client to detach' }]);
    expect(plan(desired([next]), observed(running(old, { attached: 2 })), WATCH).waiting?.[0]?.reason).toBe('waiting for 2 attached clients to detach');
    // The first pass after the last client left restarts it.
    expect(text(plan(desired([next]), observed(running(old, { attached: 0 })), WATCH))).toEqual(['restart claude_a (command changed)']);
  });

  it('on-exit: no restart while the process runs; its next death takes the change (and restartCommand)', () => {
    const { old, next } = changed('on-exit');
    const p = plan(desired([next]), observed(running(old)), WATCH);
    expect(p.actions).toEqual([]);
    expect(p.waiting?.[0]?.reason).toBe('waiting for the process to exit');
    const after = plan(desired([next]), observed(dead(old, { signal: 9 }, {}, 60_000)), WATCH);
    expect(text(after)).toEqual(['restart claude_a (killed by signal 9; command changed)']);
    const r = restartOf(after)!;
    expect(r.pane.resume).toBe(true);
    expect(r.pane.stamp.hash).not.toBe(paneOf(running(old), 'claude_a').stamp!.hash);
    expect(r.pane.stamp.restarts).toBe(1); // a death: counted
  });

  it('apply --force applies a waiting change at once, whatever update says', () => {
    for (const update of ['when-detached', 'on-exit'] as const) {
      const { old, next } = changed(update);
      const p = plan(desired([next]), observed(running(old, { attached: 1 })), { ...MANUAL, force: true });
      expect(text(p)).toEqual(['restart claude_a (command changed)']);
      expect(restartOf(p)!.pane.resume).toBeUndefined(); // a spec change runs `command`
    }
  });

  it('status shows the drifted pane with the reason it waits', () => {
    const { old, next } = changed('when-detached');
    const [row] = paneStatuses(desired([next]), observed(running(old, { attached: 1 })));
    expect(row).toMatchObject({ state: 'drifted', waiting: 'waiting for 1 attached client to detach' });
    const [plain] = paneStatuses(desired([next]), observed(running(old)));
    expect(plain).toMatchObject({ state: 'drifted', waiting: null });
  });
});

describe('restartCommand', () => {
  it('a death or a failed health check restarts with resume (restartCommand); a spec change does not', () => {
    const s = claude();
    expect(restartOf(plan(desired([s]), observed(dead(s, { status: 1 })), MANUAL))!.pane.resume).toBe(true);
    const sick = running(s);
    const startedAt = paneOf(sick, 'claude_a').stamp!.startedAt!;
    const unhealthy = new Map([['claude_a', { since: NOW - 1000, startedAt, detail: 'health check failed 3 times' }]]);
    expect(restartOf(plan(desired([s]), observedWith([sick], { unhealthy }), MANUAL))!.pane.resume).toBe(true);
    const edited = claude({ cwd: '/elsewhere' });
    expect(restartOf(plan(desired([edited]), observed(running(s)), MANUAL))!.pane.resume).toBeUndefined();
  });
});

describe('a pane a person stopped (hold)', () => {
  const held = (s: ObservedSession) => {
    for (const m of managedPanes(s).values()) Object.assign(m.pane, { dead: true, exit: { signal: 15 } }, { stamp: { ...m.pane.stamp!, hold: 'stopped' } });
    return s;
  };

  it('is never restarted: not for its death, not for a spec change, not with --force', () => {
    const s = claude();
    expect(plan(desired([s]), observed(held(running(s))), WATCH).actions).toEqual([]);
    expect(plan(desired([claude({ cwd: '/x' })]), observed(held(running(s))), { ...MANUAL, force: true }).actions).toEqual([]);
  });

  it('shows as stopped in status, declared or not', () => {
    const s = claude();
    expect(paneStatuses(desired([s]), observed(held(running(s))))[0]?.state).toBe('stopped');
  });

  it('leaves a copy a person runs by hand meanwhile alone (orphans.match): nothing runs in its place', () => {
    const mon = spec('mon', { command: argv('monitor'), orphans: { match: '^monitor' } });
    const copy = { pid: 650, startTime: 1, cmdline: 'monitor --debug', matchArgv: ['monitor', '--debug'] };
    expect(text(plan(desired([mon]), observedWith([running(mon)], { processes: [copy] }), MANUAL))).toEqual(['kill-orphan mon (pid 650: monitor --debug)']);
    expect(plan(desired([mon]), observedWith([held(running(mon))], { processes: [copy] }), MANUAL).actions).toEqual([]);
  });

  it('is still removed when the spec drops it (a hold is not ownership)', () => {
    const s = claude();
    expect(text(plan(desired([]), observed(held(running(s))), MANUAL))).toEqual(['kill claude_a (no longer declared)']);
  });
});

describe('verbs', () => {
  const shop = windowed('shop', [{ name: 'servers', panes: [{ command: argv('a') }, { command: argv('b') }] }]);
  const state = () => observed(running(shop), running(claude()), running(spec('claude_b')), foreign('claude_mine'));
  const pick = (o: ReturnType<typeof state>, ...t: string[]) => selectPanes(parseVerbTargets(t).targets, o);

  it('targets: globs on session names, windows and panes; only what tmuxctl owns', () => {
    const o = state();
    const names = (t: string[]) => pick(o, ...t).panes.map((m) => `${m.session.name}:${m.stamp.window}.${m.stamp.index}`);
    expect(names(['claude_*'])).toEqual(['claude_a:claude_a.0', 'claude_b:claude_b.0']); // never claude_mine
    expect(names(['shop:servers.1'])).toEqual(['shop:servers.1']);
    expect(names(['shop:servers', 'shop'])).toEqual(['shop:servers.0', 'shop:servers.1']); // once each
    expect(pick(o, 'claude_mine', 'nope*', 'shop:web', 'shop:servers.2').unmatched).toEqual(['claude_mine', 'nope*', 'shop:web', 'shop:servers.2']);
    expect(parseVerbTargets(['a:b:c', 'a:']).invalid).toEqual(['a:b:c', 'a:']);
  });

  it('restart: counted as a restart, crashes (backoff) untouched, runs command, clears a hold', () => {
    const s = claude();
    const live = running(s);
    Object.assign(paneOf(live, 'claude_a').stamp!, { restarts: 4, crashes: 2, hold: 'stopped' });
    const [m] = managedPanes(live).values();
    const p = planVerb('restart', [{ managed: m!, spec: s.windows[0]!.panes[0]! }]);
    expect(p.actions.map((a) => `${a.kind} ${a.target} (${a.reason})`)).toEqual(['restart claude_a (restart requested)']);
    const r = p.actions[0] as Extract<Action, { kind: 'restart' }>;
    expect(r.pane.stamp).toMatchObject({ restarts: 5, crashes: 2 });
    expect(r.pane.stamp.hold).toBeUndefined();
    expect(r.pane.resume).toBeUndefined();
  });

  it('stop: stamps the hold with the stop; a stopped pane is left as it is', () => {
    const live = running(claude());
    const [m] = managedPanes(live).values();
    const p = planVerb('stop', [{ managed: m! }]);
    expect(p.actions).toMatchObject([{ kind: 'stop', target: 'claude_a', stamp: { hold: 'stopped' }, stops: [{ pid: m!.pane.pid, dead: false }] }]);
    m!.pane.stamp = { ...m!.stamp, hold: 'stopped' };
    m!.pane.dead = true;
    const again = planVerb('stop', [{ managed: { ...m!, stamp: m!.pane.stamp } }]);
    expect(again).toEqual({ actions: [], unchanged: [{ session: 'claude_a', target: 'claude_a', reason: 'already stopped' }] });
  });

  it('start: starts a stopped or dead pane (crashes reset, restarts kept), leaves a running one', () => {
    const s = claude();
    const live = dead(s, { status: 1 }, { hold: 'stopped', restarts: 3, crashes: 4 });
    const [m] = managedPanes(live).values();
    const p = planVerb('start', [{ managed: m!, spec: s.windows[0]!.panes[0]! }]);
    expect(p.actions.map((a) => a.reason)).toEqual(['start requested, was stopped']);
    expect((p.actions[0] as Extract<Action, { kind: 'restart' }>).pane.stamp).toMatchObject({ restarts: 3, crashes: 0 });
    const [up] = managedPanes(running(s)).values();
    expect(planVerb('start', [{ managed: up!, spec: s.windows[0]!.panes[0]! }]).unchanged[0]?.reason).toBe('already running');
  });

  it('restart or start of a pane its spec file no longer declares is refused, not guessed', () => {
    const [m] = managedPanes(running(claude())).values();
    expect(planVerb('restart', [{ managed: m! }]).actions).toMatchObject([{ kind: 'conflict', target: 'claude_a' }]);
  });
});
