import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ObservedState } from '../../src/observe/types.js';
import { followPanes } from '../../src/supervise/pane-liveness.js';
import { deathTime } from '../../src/supervise/deaths.js';
import { observed, paneOf, running, spec } from '../helpers/model.js';

describe('deathTime: tmux times a death in whole seconds, watch in milliseconds', () => {
  const SECOND = Date.parse('2026-01-01T00:00:07Z'); // what tmux says: died during second 7

  it('takes watch’s first sight when it falls within tmux’s second', () => {
    expect(deathTime(SECOND, SECOND + 830)).toBe(SECOND + 830);
    expect(deathTime(SECOND, SECOND)).toBe(SECOND);
  });

  it('seen later (watch started after the death): the end of that second, so no backoff is cut short', () => {
    expect(deathTime(SECOND, SECOND + 60_000)).toBe(SECOND + 999);
  });

  it('never earlier than tmux says, even with a clock a little behind', () => {
    expect(deathTime(SECOND, SECOND - 20)).toBe(SECOND);
  });

  it('a death tmux has not timed (its SIGCHLD was lost) is timed by the first sight', () => {
    expect(deathTime(undefined, SECOND + 123)).toBe(SECOND + 123);
  });
});

function observedWith(pid: number, dead = false): ObservedState {
  const s = running(spec('a'));
  Object.assign(paneOf(s, 'a'), { pid, dead });
  return { ...observed(s), at: Date.now() };
}

describe('followPanes: /proc between passes', () => {
  it('wakes watch once when a followed pane process exits, and not while it runs', async () => {
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    let wakes = 0;
    const live = followPanes(() => (wakes += 1), 20, 20);
    try {
      live.follow(observedWith(child.pid!));
      await new Promise((r) => setTimeout(r, 150));
      expect(wakes).toBe(0);
      child.kill('SIGKILL');
      const since = Date.now();
      while (wakes === 0 && Date.now() - since < 2000) await new Promise((r) => setTimeout(r, 10));
      expect(wakes).toBe(1);
      await new Promise((r) => setTimeout(r, 150));
      expect(wakes).toBe(1); // until the next pass follows the panes again
    } finally {
      live.stop();
      child.kill('SIGKILL');
    }
  });

  it('follows nothing of a pane already dead in tmux’s eyes', async () => {
    let wakes = 0;
    const live = followPanes(() => (wakes += 1), 20, 20);
    try {
      live.follow(observedWith(2 ** 22 + 12345, true)); // no such pid
      await new Promise((r) => setTimeout(r, 100));
      expect(wakes).toBe(0);
    } finally {
      live.stop();
    }
  });
});
