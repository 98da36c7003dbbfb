/**
 * watch's wake-up loop (one blocked `tmux wait-for`) when tmux cannot do its job: it must back off,
 * report each distinct failure once, and never pile up abort listeners, however long it runs.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TmuxMissingError } from '../../src/errors.js';
import { listenForTmuxEvents, type TmuxEvents } from '../../src/supervise/tmux-events.js';
import { TmuxClient } from '../../src/tmux/client.js';
import { useTempDir } from '../cli/helpers.js';

const tmp = useTempDir();
let listener: TmuxEvents | undefined;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
process.on('warning', onWarning);

afterEach(() => {
  listener?.stop();
  listener = undefined;
});

/** Runs the loop on `client` for `ms`, then stops it; counts tmux spawns and what was reported. */
async function runFor(client: TmuxClient, ms: number, resyncMs = 1000) {
  const exec = vi.spyOn(client, 'exec');
  const errors: Error[] = [];
  const wakes: string[] = [];
  let maxListeners = 0;
  exec.mockImplementation(async function (this: TmuxClient, args, opts) {
    // A spin would starve the timers below: stop it here, so that it fails the count instead of hanging.
    if (exec.mock.calls.length > 200) listener?.stop();
    if (opts?.signal) maxListeners = Math.max(maxListeners, getEventListeners(opts.signal, 'abort').length);
    return TmuxClient.prototype.exec.call(this, args, opts);
  });
  listener = listenForTmuxEvents(client, (why) => wakes.push(why), { resyncMs, onError: (e) => errors.push(e) });
  await new Promise((r) => setTimeout(r, ms));
  listener.stop();
  listener = undefined;
  return { spawns: exec.mock.calls.length, errors, wakes, maxListeners };
}

function fakeTmux(body: string, mode = 0o755): string {
  const file = path.join(tmp.dir, 'tmux');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

describe('the wait-for loop when tmux cannot be run', () => {
  it('backs off (not a spin), reports the missing tmux once, and piles up no abort listeners', async () => {
    const client = new TmuxClient({}, { PATH: tmp.dir }, path.join(tmp.dir, 'no-such-tmux'));
    const r = await runFor(client, 2500);
    // 0, 250, 500, 1000, 1000 ms pauses: about 5 spawns in 2.5 s; a spin makes thousands.
    expect(r.spawns).toBeGreaterThanOrEqual(2);
    expect(r.spawns).toBeLessThan(12);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(TmuxMissingError);
    expect(r.maxListeners).toBeLessThanOrEqual(1);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('treats a tmux on PATH that is not executable the same way', async () => {
    const client = new TmuxClient({}, { PATH: tmp.dir }, fakeTmux('exit 0', 0o644));
    const r = await runFor(client, 1500);
    expect(r.spawns).toBeLessThan(10);
    expect(r.errors.map((e) => e.constructor)).toEqual([TmuxMissingError]);
  });

  it('backs off when tmux exits at once with an error, reporting it once', async () => {
    const client = new TmuxClient({}, { PATH: '/usr/bin:/bin' }, fakeTmux('echo "protocol version mismatch" >&2\nexit 1'));
    const r = await runFor(client, 2500);
    expect(r.spawns).toBeLessThan(12);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toContain('protocol version mismatch');
  });

  it('backs off when the wait keeps returning at once with success (a tmux that does not wait)', async () => {
    const client = new TmuxClient({}, { PATH: '/usr/bin:/bin' }, fakeTmux('exit 0'));
    const r = await runFor(client, 2500);
    // About 13 (3 at once, then one per 250 ms pause). Under load a spawn of the fake itself can take
    // 50 ms, which counts as a wait that waited and starts the count of returns at once again: up to
    // one spawn per 50 ms then, never more. Without the pause it is a spin (hundreds: the cap above).
    expect(r.spawns).toBeLessThan(50);
    expect(r.errors).toHaveLength(1);
  });

  it('with no server, looks again about once a second, silently', async () => {
    const client = new TmuxClient({}, { PATH: '/usr/bin:/bin' }, fakeTmux('echo "no server running on /tmp/tmux-0/x" >&2\nexit 1'));
    const r = await runFor(client, 2500);
    expect(r.spawns).toBeLessThan(12);
    expect(r.errors).toEqual([]);
    expect(r.wakes.every((w) => w === 'tmux server gone')).toBe(true);
  });

  it('a wait that times out is the resync, not a failure', async () => {
    const client = new TmuxClient({}, { PATH: '/usr/bin:/bin' }, fakeTmux('exec sleep 300'));
    const r = await runFor(client, 1200, 300);
    expect(r.wakes.filter((w) => w === 'resync').length).toBeGreaterThanOrEqual(2);
    expect(r.errors).toEqual([]);
  });
});

describe('the wait-for loop with rearmAfter (a host: the next wait follows the pass)', () => {
  it('sends the next wait only once rearmAfter resolves; a stop while it waits ends the loop', async () => {
    const client = new TmuxClient({}, { PATH: '/usr/bin:/bin' }, fakeTmux('sleep 0.1; exit 0'));
    const exec = vi.spyOn(client, 'exec');
    let release: () => void = () => {};
    const gates: number[] = [];
    const wakes: string[] = [];
    listener = listenForTmuxEvents(client, (why) => wakes.push(why), {
      resyncMs: 5000,
      rearmAfter: () => {
        gates.push(Date.now());
        return new Promise<void>((r) => (release = r));
      },
    });
    // The first wait goes at once; its wake-up is told, then the loop holds the next one.
    await vi.waitFor(() => expect(wakes).toEqual(['tmux event']), { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 400));
    expect(exec.mock.calls).toHaveLength(1);
    expect(gates).toHaveLength(1);
    release();
    await vi.waitFor(() => expect(exec.mock.calls.length).toBe(2), { timeout: 5000 });
    await vi.waitFor(() => expect(gates).toHaveLength(2), { timeout: 5000 });
    listener.stop();
    listener = undefined;
    await new Promise((r) => setTimeout(r, 300));
    expect(exec.mock.calls).toHaveLength(2);
  });
});
