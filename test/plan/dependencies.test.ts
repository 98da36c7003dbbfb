import { describe, expect, it } from 'vitest';
import { stopWaves, planDelete } from '../../src/plan/delete.js';
import { plan } from '../../src/plan/plan.js';
import { paneStatuses } from '../../src/plan/status.js';
import type { HealthCheck } from '../../src/spec/types.js';
import { dead, desired, MANUAL, NOW, observed, observedWith, paneOf, running, spec, text, WATCH, windowed } from '../helpers/model.js';

const check: HealthCheck = { kind: 'command', command: { kind: 'argv', argv: ['true'] }, intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };
const db = spec('db', { healthCheck: check });
const migrate = spec('migrate', { restart: 'never' });
const cache = spec('cache', { startSeconds: 5 });
const web = spec('web', {
  dependsOn: [
    { target: 'cache', condition: 'started' },
    { target: 'db', condition: 'healthy' },
    { target: 'migrate', condition: 'completed' },
  ],
});
const all = desired([cache, db, migrate, web]);

const waits = (p: ReturnType<typeof plan>) => (p.waiting ?? []).map((w) => `${w.target} (${w.reason})`);

describe('dependsOn in the plan', () => {
  it('nothing runs yet: the dependencies are created, the dependent waits for all three, independent ones are not held', () => {
    const p = plan(all, observed(), MANUAL);
    expect(text(p)).toEqual(['create cache (not found)', 'create db (not found)', 'create migrate (not found)']);
    expect(waits(p)).toEqual(['web (waiting for cache to start, db to be healthy and migrate to complete)']);
    expect(p.waiting![0]!.dependencies).toEqual(['cache', 'db', 'migrate']);
  });

  it('each condition as it comes true: started after startSeconds (requeued for then), healthy from a verdict of this run, completed on exit 0', () => {
    const cacheLive = running(cache);
    paneOf(cacheLive, 'cache').stamp!.startedAt = NOW - 2000; // 3 s of its 5 still to go
    const dbLive = running(db);
    const startedAt = paneOf(dbLive, 'db').stamp!.startedAt!;
    const migrated = dead(migrate, { status: 0 });
    const p = plan(all, observedWith([cacheLive, dbLive, migrated], { healthy: new Map([['db', startedAt]]) }), WATCH);
    expect(waits(p)).toEqual(['web (waiting for cache to start)']);
    expect(p.requeueAfterMs).toBe(3000);

    paneOf(cacheLive, 'cache').stamp!.startedAt = NOW - 5000;
    expect(text(plan(all, observedWith([cacheLive, dbLive, migrated], { healthy: new Map([['db', startedAt]]) }), WATCH))).toEqual(['create web (not found)']);
  });

  it('a verdict of an earlier run, a failed job and a dependency restarted in the same plan do not count', () => {
    const cacheLive = running(cache);
    const dbLive = running(db);
    // The check passed for the run before this one.
    const p1 = plan(all, observedWith([cacheLive, dbLive, dead(migrate, { status: 0 })], { healthy: new Map([['db', NOW - 999_999]]) }), WATCH);
    expect(waits(p1)).toEqual(['web (waiting for db to be healthy)']);
    const started = paneOf(dbLive, 'db').stamp!.startedAt!;
    const p2 = plan(all, observedWith([cacheLive, dbLive, dead(migrate, { status: 1 })], { healthy: new Map([['db', started]]) }), WATCH);
    expect(waits(p2)).toEqual(['web (waiting for migrate to complete)']);
    // cache is restarted by this plan (its command changed): not started yet, whatever the snapshot says.
    const changed = desired([spec('cache', { startSeconds: 5, command: { kind: 'shell', script: 'new' } }), db, migrate, web]);
    const p3 = plan(changed, observedWith([cacheLive, dbLive, dead(migrate, { status: 0 })], { healthy: new Map([['db', started]]) }), WATCH);
    expect(text(p3)).toEqual(['restart cache (command changed)']);
    expect(waits(p3)).toEqual(['web (waiting for cache to start)']);
  });

  it('a crashed dependent is not restarted while a dependency is down', () => {
    const p = plan(all, observed(dead(web, { signal: 9 }), dead(cache, { signal: 9 }), running(db), dead(migrate, { status: 0 })), MANUAL);
    expect(text(p)).toEqual(['restart cache (killed by signal 9)']);
    expect(waits(p)).toEqual(['web (waiting for cache to start and db to be healthy)']);
  });

  it('without verdicts of its own (diff, status) the health watch stamped on the pane is what counts', () => {
    const dbLive = running(db);
    paneOf(dbLive, 'db').health = 'healthy';
    const o = observed(running(cache), dbLive, dead(migrate, { status: 0 }));
    expect(text(plan(all, o, MANUAL))).toEqual(['create web (not found)']);
    paneOf(dbLive, 'db').health = 'starting';
    const rows = paneStatuses(all, o);
    expect(rows.find((r) => r.name === 'web')).toMatchObject({ state: 'waiting', waiting: 'waiting for db to be healthy' });
  });

  it('a pane added to a window waits alone, and its window is not laid out again for a split that waits', () => {
    const before = windowed('shop', [{ name: 'servers', panes: [{}] }]);
    const after = windowed('shop', [{ name: 'servers', panes: [{}, { dependsOn: [{ target: 'db', condition: 'healthy' }] }] }]);
    const p = plan(desired([after, db]), observed(running(before), running(db)), WATCH);
    expect(text(p)).toEqual([]);
    expect(waits(p)).toEqual(['shop:servers.1 (waiting for db to be healthy)']);
  });

  it('delete runs in waves: dependents before what they depend on', () => {
    const chain = desired([
      spec('a'),
      spec('b', { dependsOn: [{ target: 'a', condition: 'started' }] }),
      spec('c', { dependsOn: [{ target: 'b', condition: 'started' }] }),
      spec('x'),
    ]);
    const o = observed(...chain.sessions.map((s) => running(s)));
    const p = planDelete(
      chain.sessions.map((s) => ({ session: s.name })),
      o,
      new Map(),
    );
    expect(stopWaves(p, chain).map((w) => w.actions.map((a) => a.target))).toEqual([['c', 'x'], ['b'], ['a']]);
    expect(stopWaves(p, undefined).map((w) => w.actions.length)).toEqual([4]);
  });
});
