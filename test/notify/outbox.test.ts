import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../../src/notify/fold.js';
import { Outbox } from '../../src/notify/outbox.js';
import { NotifyError, type Transport } from '../../src/notify/send.js';
import type { NotifyChannel } from '../../src/notify/types.js';

const channel = (label: string): NotifyChannel => ({
  label,
  on: ['crash-loop'],
  cooldownSeconds: 0,
  transport: { kind: 'webhook', url: 'http://127.0.0.1/hook/s3cret', headers: {} },
  secrets: ['s3cret'],
});
const delivery = (label: string): Delivery => ({
  channel: channel(label),
  notification: { event: 'crash-loop', target: 'app', host: 'h', at: 0, reason: 'exited with status 1' },
});

describe('outbox', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('enqueue returns at once; a hung channel times out after 10 s and is tried 3 times in all, while another is delivered', async () => {
    const results: string[] = [];
    const sent: string[] = [];
    const send: Transport = (c) => {
      if (c.label === 'hung') return new Promise(() => {}); // never settles, ignores its signal
      sent.push(c.label);
      return Promise.resolve();
    };
    const box = new Outbox({ send, onResult: (d, r) => results.push(`${d.channel.label} ${r.ok ? 'ok' : `${r.reason} final=${r.final}`} try ${r.tries}`) });
    box.enqueue(delivery('hung'));
    box.enqueue(delivery('fine'));
    expect(sent).toEqual([]); // nothing ran inside enqueue
    await vi.advanceTimersByTimeAsync(1);
    expect(results).toEqual(['fine ok try 1']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(results.at(-1)).toBe('hung timed out after 10s final=false try 1');
    await vi.advanceTimersByTimeAsync(2_000 + 10_000 + 4_000 + 10_000);
    expect(results.filter((r) => r.startsWith('hung'))).toEqual([
      'hung timed out after 10s final=false try 1',
      'hung timed out after 10s final=false try 2',
      'hung timed out after 10s final=true try 3',
    ]);
    expect(box.pending).toBe(0);
  });

  it('a failure is told without the secrets of its channel', async () => {
    const results: string[] = [];
    const box = new Outbox({
      send: () => Promise.reject(new NotifyError('HTTP 500 from /hook/s3cret')),
      tries: 1,
      onResult: (_d, r) => results.push(r.ok ? 'ok' : r.reason),
    });
    box.enqueue(delivery('a'));
    await vi.advanceTimersByTimeAsync(1);
    expect(results).toEqual(['HTTP 500 from /hook/***']);
  });

  it('drain is bounded, and retries due after it are not made', async () => {
    let calls = 0;
    const results: string[] = [];
    const box = new Outbox({
      send: () => {
        calls++;
        return Promise.reject(new NotifyError('HTTP 503'));
      },
      onResult: (_d, r) => results.push(r.ok ? 'ok' : `${r.reason} final=${r.final}`),
    });
    box.enqueue(delivery('a'));
    const drained = box.drain(300);
    await vi.advanceTimersByTimeAsync(300);
    expect(await drained).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);
    expect(results.at(-1)).toBe('not tried again: tmuxctl is stopping final=true');
  });

  it('drops beyond maxPending and says so', async () => {
    const dropped: string[] = [];
    const box = new Outbox({ send: () => new Promise(() => {}), onResult: () => {}, maxPending: 2, onDropped: (d) => dropped.push(d.channel.label) });
    for (const l of ['a', 'b', 'c']) box.enqueue(delivery(l));
    expect(dropped).toEqual(['c']);
  });
});
