import { chmodSync, chownSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { controlRoot } from '../../src/host/ssh/control-path.js';
import { ensureControlDir } from '../../src/host/ssh/control-dir.js';
import { StateDirError } from '../../src/state/dirs.js';

const me = process.getuid?.() ?? 0;
/** A uid of nobody's: its /tmp folder is made here, so it cannot clash with a real one. */
const fakeUid = 900_000 + Math.floor(Math.random() * 90_000);
const LONG = `/nonexistent/${'x'.repeat(60)}`; // too long: the sockets go under /tmp

afterEach(() => {
  rmSync(controlRoot(fakeUid), { recursive: true, force: true });
  rmSync(`${controlRoot(fakeUid)}-target`, { recursive: true, force: true });
});

describe('ensureControlDir', () => {
  it('makes <stateDir>/ssh 0700', () => {
    const state = `/tmp/tmuxctl-cd-${fakeUid}`;
    try {
      const dir = ensureControlDir(state, me);
      expect(dir).toBe(`${state}/ssh`);
      expect(lstatSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('the /tmp fallback: made 0700 when missing', () => {
    // Owned by whoever runs the test, so only the real uid can pass the owner check.
    const dir = ensureControlDir(LONG, me);
    expect(dir.startsWith(`${controlRoot(me)}/`)).toBe(true);
    expect(lstatSync(controlRoot(me)).mode & 0o777).toBe(0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a /tmp folder someone else made, one open to others, or a symlink', () => {
    mkdirSync(controlRoot(fakeUid), { mode: 0o700 }); // ours, not fakeUid's
    expect(() => ensureControlDir(LONG, fakeUid)).toThrow(StateDirError);
    rmSync(controlRoot(fakeUid), { recursive: true });
    mkdirSync(`${controlRoot(fakeUid)}-target`, { mode: 0o700 });
    symlinkSync(`${controlRoot(fakeUid)}-target`, controlRoot(fakeUid));
    expect(() => ensureControlDir(LONG, fakeUid)).toThrow(/not a private folder of this user/);
  });

  it('refuses a folder of the user that others can enter', () => {
    mkdirSync(controlRoot(fakeUid), { mode: 0o700 });
    chownSync(controlRoot(fakeUid), fakeUid, fakeUid); // the tests run as root (CI does)
    expect(ensureControlDir(LONG, fakeUid).startsWith(`${controlRoot(fakeUid)}/`)).toBe(true);
    chmodSync(controlRoot(fakeUid), 0o777);
    expect(() => ensureControlDir(LONG, fakeUid)).toThrow(/not a private folder of this user/);
  });
});
