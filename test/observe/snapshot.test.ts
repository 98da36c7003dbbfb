import { describe, expect, it } from 'vitest';
import { sessionsFromRows } from '../../src/observe/snapshot.js';
import { managedPanes } from '../../src/observe/types.js';
import { snapshotRow as row } from '../helpers/model.js';

const session = { sessionId: '$1', created: '1700000000', name: 'web', windowId: '@1', windowIndex: '0', dead: '0' };
const managedIds = (rows: ReturnType<typeof row>[]) => [...managedPanes(sessionsFromRows(rows).get('web')!).values()].map((m) => m.pane.id);

describe('sessionsFromRows: pane stamps count only on sessions tmuxctl owns (v2)', () => {
  const stamp = 'w=web i=0 h=abc r=1 c=0';

  it('an owned v2 session: its stamped windows and panes', () => {
    const owned = { ...session, hash: 'v2', windowStamp: 'w=web n=1' };
    const s = sessionsFromRows([
      row({ ...owned, paneId: '%1', panePid: '100', paneStamp: stamp, health: 'healthy' }),
      row({ ...owned, paneId: '%2', panePid: '200' }),
    ]).get('web')!;
    expect(s).toMatchObject({ owned: true, legacy: false });
    expect(s.windows[0]!.stamp).toEqual({ name: 'web', panes: 1 });
    expect(s.windows[0]!.panes.map((p) => [p.id, p.stamp?.hash, p.health])).toEqual([
      ['%1', 'abc', 'healthy'],
      ['%2', undefined, undefined],
    ]);
  });

  it('a session as tmuxctl creates it now (its source only, no @tmuxctl-hash) is owned, per pane, with its source', () => {
    const made = { ...session, source: '/specs/web.yaml', windowStamp: 'w=web n=1' };
    const s = sessionsFromRows([row({ ...made, paneId: '%1', panePid: '100', paneStamp: stamp })]).get('web')!;
    expect(s).toMatchObject({ owned: true, legacy: false, source: '/specs/web.yaml' });
    expect(managedIds([row({ ...made, paneId: '%1', panePid: '100', paneStamp: stamp })])).toEqual(['%1']);
  });

  it('a session as earlier builds made it (@tmuxctl-hash v2 and its source) still reads the same', () => {
    const earlier = { ...session, hash: 'v2', source: '/specs/web.yaml', windowStamp: 'w=web n=1' };
    const s = sessionsFromRows([row({ ...earlier, paneId: '%1', panePid: '100', paneStamp: stamp })]).get('web')!;
    expect(s).toMatchObject({ owned: true, legacy: false, source: '/specs/web.yaml' });
    expect(s.windows[0]!.panes[0]!.stamp?.hash).toBe('abc');
  });

  it('a session tmuxctl does not own: stamps copied onto it by hand are no stamps', () => {
    const foreign = { ...session, windowStamp: 'w=web n=1' };
    const s = sessionsFromRows([row({ ...foreign, paneId: '%1', panePid: '100', paneStamp: stamp, health: 'healthy' })]).get('web')!;
    expect(s.owned).toBe(false);
    expect(s.windows[0]!.stamp).toBeUndefined();
    expect(s.windows[0]!.panes[0]!.stamp).toBeUndefined();
    expect(s.windows[0]!.panes[0]!.health).toBeUndefined();
    expect(managedPanes(s).size).toBe(0);
  });

  it('a tmuxctl 0.1 session: a v2 pane stamp is ignored, the managed pane is read the 0.1 way', () => {
    const legacy = { ...session, hash: 'v1.a.b.c', legacyPane: '%1' };
    const s = sessionsFromRows([row({ ...legacy, paneId: '%1', panePid: '100' }), row({ ...legacy, paneId: '%2', panePid: '200', paneStamp: stamp })]).get(
      'web',
    )!;
    expect(s).toMatchObject({ owned: true, legacy: true });
    expect([...managedPanes(s).values()].map((m) => [m.pane.id, m.stamp.hash])).toEqual([['%1', 'v1.a.b.c']]);
  });
});

describe('sessionsFromRows: the managed pane of a tmuxctl 0.1 session', () => {
  const legacy = { ...session, hash: 'v1.h', legacyPane: '%1' };

  it('the pane stamped @tmuxctl-managed-pane, wherever it is listed', () => {
    const rows = [row({ ...legacy, paneId: '%2', panePid: '200' }), row({ ...legacy, paneId: '%1', panePid: '100', legacyManaged: '1' })];
    expect(managedIds(rows)).toEqual(['%1']);
  });

  it('the stamped pane wins over the recorded id when they differ', () => {
    const rows = [row({ ...legacy, paneId: '%1', panePid: '100' }), row({ ...legacy, paneId: '%3', panePid: '300', legacyManaged: '1' })];
    expect(managedIds(rows)).toEqual(['%3']);
  });

  it('a session stamped before panes were (no pane stamp anywhere): the pane whose id it recorded (@tmuxctl-pane)', () => {
    const rows = [row({ ...legacy, paneId: '%2', panePid: '200' }), row({ ...legacy, paneId: '%1', panePid: '100' })];
    expect(managedIds(rows)).toEqual(['%1']);
  });

  it("none when the managed pane is gone: the user's split pane never stands in for it", () => {
    const s = sessionsFromRows([row({ ...legacy, paneId: '%2', panePid: '200' })]).get('web')!;
    expect(s.owned).toBe(true);
    expect(managedPanes(s).size).toBe(0);
  });

  it("a user's split pane beside the managed one is not managed", () => {
    const rows = [row({ ...legacy, paneId: '%1', panePid: '100', legacyManaged: '1' }), row({ ...legacy, paneId: '%2', panePid: '200' })];
    const s = sessionsFromRows(rows).get('web')!;
    expect(managedIds(rows)).toEqual(['%1']);
    expect(s.windows[0]!.panes.find((p) => p.id === '%2')!.stamp).toBeUndefined();
  });

  it('reads its counts, last exit, health and stop timeout into the pane stamp, as window `web` pane 0', () => {
    const rows = [
      row({
        ...legacy,
        paneId: '%1',
        panePid: '100',
        legacyManaged: '1',
        legacyStarted: '1700000005000',
        legacyRestarts: '4',
        legacyCrashes: '2',
        legacyLastExit: 'signal:15',
        legacyHealth: 'healthy',
        legacyStopTimeout: '2.5',
      }),
    ];
    const s = sessionsFromRows(rows).get('web')!;
    expect(s.windows[0]!.stamp).toEqual({ name: 'web', panes: 1 });
    const pane = s.windows[0]!.panes[0]!;
    expect(pane.stamp).toEqual({
      window: 'web',
      index: 0,
      hash: 'v1.h',
      restarts: 4,
      crashes: 2,
      startedAt: 1700000005000,
      lastExit: { signal: 15 },
      stopTimeoutSeconds: 2.5,
    });
    expect(pane.health).toBe('healthy');
  });
});
