import { describe, expect, it } from 'vitest';
import { Folder } from '../../src/notify/fold.js';
import type { Occurrence } from '../../src/notify/judge.js';
import { DEFAULT_NOTIFY_ON, type NotifyChannel } from '../../src/notify/types.js';

const hook: NotifyChannel = {
  label: 'webhook (app.yaml notify[0])',
  on: [...DEFAULT_NOTIFY_ON, 'recovered'],
  cooldownSeconds: 300,
  transport: { kind: 'webhook', url: 'http://127.0.0.1/x', headers: {} },
  secrets: [],
};
const at = (s: number) => 1_000_000 + s * 1000;
const o = (event: Occurrence['event'], s: number, target = 'app'): Occurrence => ({ event, target, reason: 'exited with status 1', at: at(s) });

describe('fold: cooldown and counts', () => {
  it('counts crashes nobody was told about into the next message', () => {
    const f = new Folder('host');
    expect(f.fold(o('start-failed', 0), [hook]).map((d) => d.notification.folded)).toEqual([undefined]);
    expect(f.fold(o('crash', 1), [hook])).toEqual([]);
    expect(f.fold(o('crash', 2), [hook])).toEqual([]);
    const [loop] = f.fold(o('crash-loop', 3), [hook]);
    expect(loop!.notification).toMatchObject({ event: 'crash-loop', folded: '... and 2 more crashes', host: 'host' });
  });

  it('the same event for the same target within the cooldown is counted, not sent; after it, sent with the count', () => {
    const f = new Folder('host');
    expect(f.fold(o('crash-loop', 0), [hook])).toHaveLength(1);
    expect(f.fold(o('recovered', 10), [hook])).toHaveLength(1);
    expect(f.fold(o('crash-loop', 20), [hook])).toEqual([]);
    expect(f.fold(o('crash-loop', 30, 'other'), [hook])).toHaveLength(1); // another target has its own
    const later = f.fold(o('crash-loop', 301), [hook]);
    expect(later.map((d) => d.notification.folded)).toEqual(['... and 1 more crash']);
  });

  it('only the events a channel is on', () => {
    const f = new Folder('host');
    const loopsOnly = { ...hook, on: ['crash-loop' as const] };
    expect(f.fold(o('start-failed', 0), [loopsOnly])).toEqual([]);
    expect(f.fold(o('recovered', 1), [loopsOnly])).toEqual([]);
    expect(f.fold(o('crash-loop', 2), [loopsOnly]).map((d) => d.notification.folded)).toEqual(['... and 1 more crash']);
  });
});

describe('fold: memory', () => {
  it('forgets targets no longer declared: a cooldown does not outlive its target', () => {
    const f = new Folder('host');
    expect(f.fold(o('crash-loop', 0, 'gone'), [hook])).toHaveLength(1);
    f.forget((target) => target !== 'gone');
    expect(f.fold(o('crash-loop', 1, 'gone'), [hook])).toHaveLength(1);
  });
});
