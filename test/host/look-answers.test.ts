import { describe, expect, it } from 'vitest';
import { type Look, LookAnswers } from '../../src/host/look-answers.js';

const ARGS = ['list-panes', '-a'];
const DIRS = ['/srv/a'];
const look = (stdout: string): Look => ({ tmuxArgs: ARGS, result: { stdout, stderr: '', code: 0 }, dirs: DIRS, missing: new Set(['/srv/a']) });

describe("a host's looks taken ahead", () => {
  it("a wake-up's look stands for the pass's when nothing of ours ran since its wait went out, given once", () => {
    const a = new LookAnswers();
    const since = a.waitStarted();
    expect(a.offerWake(since, look('woken'))).toBe(true);
    expect(a.holds(ARGS, DIRS)).toBe(true);
    expect(a.takeTmux(ARGS)?.stdout).toBe('woken');
    expect(a.takeDirs(DIRS)).toEqual(new Set(['/srv/a']));
    expect(a.takeTmux(ARGS)).toBeUndefined();
    expect(a.holds(ARGS, DIRS)).toBe(false);
  });

  it('is refused when a request of ours ran between the wait and its answer, or was under way when the wait went out', () => {
    const a = new LookAnswers();
    const since = a.waitStarted();
    a.requestSent()(); // sent and answered while the wait was out: its effect may come after the look
    expect(a.offerWake(since, look('x'))).toBe(false);
    expect(a.holds(ARGS, DIRS)).toBe(false);

    const busy = a.requestSent();
    const whileBusy = a.waitStarted();
    busy();
    expect(a.offerWake(whileBusy, look('x'))).toBe(false);

    const since2 = a.waitStarted();
    const late = a.requestSent(); // still under way when the answer comes
    expect(a.offerWake(since2, look('x'))).toBe(false);
    late();
  });

  it('is dropped when a request goes out before the pass takes it, and when the lock changed hands', () => {
    const a = new LookAnswers();
    expect(a.offerWake(a.waitStarted(), look('x'))).toBe(true);
    a.requestSent()();
    expect(a.holds(ARGS, DIRS)).toBe(false);
    expect(a.takeTmux(ARGS)).toBeUndefined();

    expect(a.offerWake(a.waitStarted(), look('x'))).toBe(true);
    a.lockChanged();
    expect(a.holds(ARGS, DIRS)).toBe(false);

    // A wait sent before the lock changed: its look is refused when it comes.
    const before = a.waitStarted();
    a.lockChanged();
    expect(a.offerWake(before, look('x'))).toBe(false);
  });

  it("forgetHello (a lock taken for a pass) drops the connect's look but keeps a wake-up's taken under the lock kept", () => {
    const a = new LookAnswers();
    a.store('hello', look('hello'));
    a.forgetHello();
    expect(a.holds(ARGS, DIRS)).toBe(false);
    expect(a.offerWake(a.waitStarted(), look('wake'))).toBe(true);
    a.forgetHello();
    expect(a.takeTmux(ARGS)?.stdout).toBe('wake');
  });

  it('an answer past its age is not given; another tmux call first drops the folders (they would be older)', () => {
    const old = new LookAnswers(50);
    old.store('look', look('x'), Date.now() - 100);
    expect(old.holds(ARGS, DIRS)).toBe(false);
    expect(old.takeTmux(ARGS)).toBeUndefined();

    const a = new LookAnswers();
    a.store('look', look('x'));
    expect(a.takeTmux(['list-clients'])).toBeUndefined();
    expect(a.takeDirs(DIRS)).toBeUndefined();
  });
});
