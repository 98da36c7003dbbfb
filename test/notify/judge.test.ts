import { describe, expect, it } from 'vitest';
import { Judge } from '../../src/notify/judge.js';
import type { ObservedState } from '../../src/observe/types.js';
import { panesOf, type SessionSpec } from '../../src/spec/types.js';
import { dead, NOW, observed, observedWith, running, spec } from '../helpers/model.js';

const app = spec('app', { startSeconds: 1, backoff: { initialSeconds: 1, maxSeconds: 300, resetAfterSeconds: 60 } });
const specs = (...s: SessionSpec[]) => new Map(s.flatMap(panesOf).map((p) => [p.target, p]));

/** The pane died `ranMs` after a start at `startedAt`, with `crashes` before it. */
function deathAfter(ranMs: number, crashes: number, startedAt: number, pid: number): ObservedState {
  const s = dead(app, { status: 1 }, { crashes, startedAt, restarts: crashes }, 0);
  const pane = s.windows[0]!.panes[0]!;
  pane.pid = pid;
  pane.deadAt = startedAt + ranMs;
  return { ...observed(s), at: startedAt + ranMs + 10 };
}

const events = (j: Judge, o: ObservedState) => j.observe(o, specs(app)).map((x) => x.event);

describe('judge: one state change per target', () => {
  it('a command that exits at start: start-failed once, a crash counted, crash-loop at the third crash, then only counts', () => {
    const j = new Judge();
    expect(events(j, deathAfter(50, 0, NOW, 1))).toEqual(['start-failed']);
    // The same death seen by the next pass is not judged again.
    expect(events(j, deathAfter(50, 0, NOW, 1))).toEqual([]);
    expect(events(j, deathAfter(50, 1, NOW + 2000, 2))).toEqual(['crash']);
    expect(events(j, deathAfter(50, 2, NOW + 4000, 3))).toEqual(['crash-loop']);
    expect(events(j, deathAfter(50, 3, NOW + 8000, 4))).toEqual(['crash']);
  });

  it('recovered once the pane has run resetAfterSeconds after a bad state, and only then', () => {
    const j = new Judge();
    events(j, deathAfter(50, 0, NOW, 1));
    const alive = (startedAt: number, at: number) => {
      const s = running(app);
      s.windows[0]!.panes[0]!.stamp!.startedAt = startedAt;
      return { ...observed(s), at };
    };
    expect(events(j, alive(NOW + 2000, NOW + 30_000))).toEqual([]);
    expect(events(j, alive(NOW + 2000, NOW + 62_000))).toEqual(['recovered']);
    expect(events(j, alive(NOW + 2000, NOW + 90_000))).toEqual([]);
  });

  it('a pane that ran well and then died is a crash, not a failed start; a job that exits 0 under on-failure is nothing', () => {
    const j = new Judge();
    expect(events(j, deathAfter(30_000, 0, NOW, 1))).toEqual(['crash']);
    const job = spec('job', { restart: 'on-failure' });
    const s = dead(job, { status: 0 }, { startedAt: NOW - 100 }, 0);
    expect(j.observe({ ...observed(s), at: NOW }, specs(job))).toEqual([]);
  });

  it('a health verdict is told once per verdict; a stopped pane and an undeclared one are not judged', () => {
    const j = new Judge();
    const s = running(app);
    const verdict = { since: NOW, startedAt: NOW - 60_000, detail: 'health check failed (3 consecutive failures, last: exit status 1)' };
    const o = observedWith([s], { unhealthy: new Map([['app', verdict]]), at: NOW });
    expect(events(j, o)).toEqual(['unhealthy']);
    expect(events(j, o)).toEqual([]);
    const held = dead(app, { signal: 15 }, { hold: 'stopped', startedAt: NOW - 100 }, 0);
    expect(new Judge().observe({ ...observed(held), at: NOW }, specs(app))).toEqual([]);
    expect(new Judge().observe(deathAfter(50, 0, NOW, 1), new Map())).toEqual([]);
  });

  it('events: apply start-failed, gave-up (the restart limit) and kill-orphan', () => {
    const j = new Judge();
    expect(j.record({ event: 'start-failed', session: 'app', reason: 'exited with status 1' }, NOW).map((o) => o.event)).toEqual(['start-failed']);
    expect(j.record({ event: 'gave-up', session: 'app', reason: '5 restarts within 300s' }, NOW).map((o) => o.event)).toEqual(['gave-up']);
    expect(j.record({ event: 'kill-orphan', session: 'app', reason: 'matches' }, NOW).map((o) => o.event)).toEqual(['orphan-stopped']);
    expect(j.record({ event: 'recovered', reason: 'after 2 failed passes' }, NOW)).toEqual([]);
  });
});
