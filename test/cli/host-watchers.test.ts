/**
 * HostWatchers following the declared hosts, on plain data: fake watchers and connections, fake
 * timers. The real thing over OpenSSH is test/integration/hosts-reload.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Context } from '../../src/cli/context.js';
import { HostWatchers } from '../../src/cli/host-watchers.js';
import type { HostScope } from '../../src/cli/hosts.js';
import { specsForHost } from '../../src/cli/host-specs.js';
import { HostUnreachableError } from '../../src/errors.js';
import type { EventLog, TmuxctlEvent } from '../../src/log/events.js';
import type { DesiredState, HostSpec } from '../../src/spec/types.js';
import type { Watcher } from '../../src/supervise/watch.js';
import { spec } from '../helpers/model.js';

const host = (name: string, ssh = name): HostSpec => ({ name, ssh, stateDir: '~/.local/state/tmuxctl', source: '/specs/app.yaml' });
const specs = (hosts: HostSpec[], sessions = [spec('here')]): DesiredState => ({ sessions, hosts, files: ['/specs/app.yaml'], roots: ['/specs'] });

type FakeWatcher = Watcher & { stops: number };

function fakeWatcher(): FakeWatcher {
  const w: FakeWatcher = {
    stops: 0,
    idle: async () => {},
    stop: async () => {
      w.stops += 1;
    },
    abandon: () => {},
    fatal: new Promise(() => {}),
  };
  return w;
}

/** Makes the watcher's stop take until the returned function is called (its last pass still running). */
function holdStop(w: FakeWatcher): () => void {
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  w.stop = async () => {
    w.stops += 1;
    await held;
  };
  return release;
}

function setUp(initial: DesiredState) {
  const events: TmuxctlEvent[] = [];
  const log: EventLog = { record: (e) => events.push(e), close: async () => {} };
  const started: { host: string; ssh: string; w: FakeWatcher }[] = [];
  const connects: HostSpec[] = [];
  let reachable = (_h: HostSpec) => true;
  const hosts = new HostWatchers(
    {
      start: async (scope, h) => {
        const w = fakeWatcher();
        started.push({ host: scope.host, ssh: h.ssh, w });
        return w;
      },
      connect: async (h, desired) => {
        connects.push(h);
        if (!reachable(h)) return new HostUnreachableError(h.name, 'ssh: connect to host: Connection refused');
        return { host: h.name, ctx: {} as Context, desired } satisfies HostScope;
      },
      events: log,
    },
    initial,
  );
  const named = (event: string) => events.filter((e) => e.event === event).map((e) => e.reason);
  return {
    hosts,
    started,
    connects,
    named,
    setReachable: (f: (h: HostSpec) => boolean) => (reachable = f),
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HostWatchers following the specs', () => {
  it('connects and watches a host added, once however many watchers report the same specs', async () => {
    const s = setUp(specs([]));
    await s.hosts.begin([], []);
    const next = specs([host('gpu1')]);
    s.hosts.follow(next);
    s.hosts.follow(next);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.started.map((x) => x.host)).toEqual(['gpu1']);
    expect(s.named('host-added')).toEqual(['gpu1: ssh gpu1, stateDir ~/.local/state/tmuxctl; connecting']);
  });

  it('hosts declared at start are not added again when a first pass reports the same specs', async () => {
    const initial = specs([host('gpu1'), host('gpu2')]);
    const s = setUp(initial);
    s.setReachable((h) => h.name !== 'gpu2');
    await s.hosts.begin([{ host: 'gpu1', ctx: {} as Context, desired: initial }], [new HostUnreachableError('gpu2', 'refused')]);
    s.hosts.follow(initial);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.named('host-added')).toEqual([]);
    expect(s.connects).toEqual([]); // gpu2 waits for its retry, not connected again at once
  });

  it('a host removed while waiting to be tried again is never tried again, and is reported at once', async () => {
    const s = setUp(specs([]));
    s.setReachable(() => false);
    await s.hosts.begin([], []);
    s.hosts.follow(specs([host('gpu1')]));
    await vi.advanceTimersByTimeAsync(0);
    expect(s.connects).toHaveLength(1);
    s.hosts.follow(specs([]));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(s.connects).toHaveLength(1);
    expect(s.named('host-removed')).toHaveLength(1);
  });

  it('a removed host is reported once its watcher has stopped (its last pass over)', async () => {
    const s = setUp(specs([]));
    await s.hosts.begin([], []);
    s.hosts.follow(specs([host('gpu1')]));
    await vi.advanceTimersByTimeAsync(0);
    const [gpu1] = s.started;
    const releaseStop = holdStop(gpu1!.w);
    s.hosts.follow(specs([]));
    await vi.advanceTimersByTimeAsync(0);
    expect(gpu1!.w.stops).toBe(1);
    expect(s.named('host-removed')).toEqual([]);
    releaseStop();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.named('host-removed')).toEqual(['gpu1: no longer in the specs; not watched, its sessions left as they are']);
  });

  it('a host whose ssh changed is connected again only after its old watcher has stopped', async () => {
    const s = setUp(specs([]));
    await s.hosts.begin([], []);
    s.hosts.follow(specs([host('gpu1')]));
    await vi.advanceTimersByTimeAsync(0);
    const [old] = s.started;
    const releaseStop = holdStop(old!.w);
    s.hosts.follow(specs([host('gpu1', 'kyuwon@gpu1.lab')]));
    await vi.advanceTimersByTimeAsync(0);
    expect(s.connects.map((h) => h.ssh)).toEqual(['gpu1']);
    releaseStop();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.connects.map((h) => h.ssh)).toEqual(['gpu1', 'kyuwon@gpu1.lab']);
    expect(s.started.map((x) => x.ssh)).toEqual(['gpu1', 'kyuwon@gpu1.lab']);
    expect(s.named('host-changed')).toHaveLength(1);
  });

  it('a connection that answers after its host was removed starts no watcher', async () => {
    const s = setUp(specs([]));
    await s.hosts.begin([], []);
    s.hosts.follow(specs([host('gpu1')])); // connect is under way (resolves on the next turn)
    s.hosts.follow(specs([]));
    await vi.advanceTimersByTimeAsync(0);
    expect(s.started).toEqual([]);
  });

  it("a first pass that reports the specs before the next host's watcher started finds that host known, not added", async () => {
    const initial = specs([host('gpu1'), host('gpu2')]);
    const events: TmuxctlEvent[] = [];
    const hosts: HostWatchers = new HostWatchers(
      {
        start: async () => {
          hosts.follow(initial); // the watcher's first pass, as early as it can be
          return fakeWatcher();
        },
        connect: async (h, desired) => ({ host: h.name, ctx: {} as Context, desired }),
        events: { record: (e) => events.push(e), close: async () => {} },
      },
      initial,
    );
    const scope = (name: string): HostScope => ({ host: name, ctx: {} as Context, desired: initial });
    await hosts.begin([scope('gpu1'), scope('gpu2')], []);
    await vi.advanceTimersByTimeAsync(0);
    expect(events.filter((e) => e.event === 'host-added')).toEqual([]);
  });

  it('`--host` limits the hosts followed', async () => {
    const events: TmuxctlEvent[] = [];
    const hosts = new HostWatchers(
      {
        start: async () => fakeWatcher(),
        connect: async (h, desired) => ({ host: h.name, ctx: {} as Context, desired }),
        events: { record: (e) => events.push(e), close: async () => {} },
        only: ['gpu2'],
      },
      specs([]),
    );
    hosts.follow(specs([host('gpu1'), host('gpu2')]));
    await vi.advanceTimersByTimeAsync(0);
    expect(events.filter((e) => e.event === 'host-added').map((e) => e.reason)).toEqual([expect.stringMatching(/^gpu2:/)]);
  });
});

describe('specsForHost', () => {
  const loadOf = (d: DesiredState) => async () => ({ ok: true as const, desired: d });

  it("gives a host's watcher the sessions on its host, and tells the whole specs when it accepts them", async () => {
    const all = specs([host('gpu1')], [spec('here'), { ...spec('a'), host: 'gpu1' }]);
    const told: DesiredState[] = [];
    const f = specsForHost({ host: 'gpu1', initial: specs([host('gpu1')], []), spec: host('gpu1'), loadAll: loadOf(all), onChange: (d) => told.push(d) });
    const r = await f.load();
    expect(r.ok && r.desired.sessions.map((x) => x.name)).toEqual(['a']);
    if (r.ok) f.onSpecs(r.desired);
    expect(told).toEqual([all]);
  });

  it('a host no longer declared as it was connected keeps its last sessions (its own reload prunes nothing there)', async () => {
    const before = specs([host('gpu1')], [{ ...spec('a'), host: 'gpu1' }]);
    const f = specsForHost({ host: 'gpu1', initial: before, spec: host('gpu1'), loadAll: loadOf(specs([], [spec('here')])), onChange: () => {} });
    const r = await f.load();
    expect(r.ok && r.desired.sessions.map((x) => x.name)).toEqual(['a']);
    const changed = specsForHost({
      host: 'gpu1',
      initial: before,
      spec: host('gpu1'),
      loadAll: loadOf(specs([host('gpu1', 'other')], [])),
      onChange: () => {},
    });
    const c = await changed.load();
    expect(c.ok && c.desired.sessions.map((x) => x.name)).toEqual(['a']);
  });
});
