import { describe, expect, it } from 'vitest';
import { TmuxctlError, UsageError } from '../../src/errors.js';
import type { PaneRow } from '../../src/freeze/list-panes.js';
import { selectPanes } from '../../src/freeze/select.js';

const row = (session: string, owned = false): PaneRow => ({
  sessionId: `$${session}`,
  session,
  owned,
  windowIndex: 0,
  windowName: 'w',
  layout: '',
  paneIndex: 0,
  pid: 1,
  dead: false,
  cwd: '/',
  startCommand: '',
});

describe('selectPanes', () => {
  const rows = [row('mine'), row('managed', true), row('other')];

  it('without names: every session tmuxctl does not own', () => {
    expect(selectPanes(rows, []).map((r) => r.session)).toEqual(['mine', 'other']);
  });

  it('with names: exactly those, owned or not', () => {
    expect(selectPanes(rows, ['managed']).map((r) => r.session)).toEqual(['managed']);
  });

  it('a name that is not there: a usage error (exit 2) listing the sessions that are', () => {
    const e = (() => {
      try {
        selectPanes(rows, ['mine', 'gone']);
      } catch (error) {
        return error;
      }
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message).toBe('no session named "gone" (sessions: mine, managed, other)');
    expect((e as UsageError).exitCode).toBe(2);
    expect(() => selectPanes([], ['x'])).toThrow('no session named "x" (no session is running on this tmux server)');
  });

  it('nothing to freeze is a runtime failure (exit 3) that says why', () => {
    expect(() => selectPanes([], [])).toThrow(new TmuxctlError('nothing to freeze: no session is running on this tmux server', 3));
    expect(() => selectPanes([], [])).toThrow(expect.objectContaining({ exitCode: 3 }));
    expect(() => selectPanes([row('managed', true)], [])).toThrow(/every session on this tmux server is managed by tmuxctl \(name one to freeze it anyway\)/);
  });
});
