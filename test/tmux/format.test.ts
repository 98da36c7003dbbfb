import { snapshotRow } from '../helpers/model.js';
import { describe, expect, it } from 'vitest';
import { sessionsFromRows } from '../../src/observe/snapshot.js';
import { buildFormat, FIELD_SEP, parseRows } from '../../src/tmux/format.js';
import { LONG_RUNNING, useTmuxServer } from '../helpers/tmux.js';

const KEYS = ['a', 'b', 'name'] as const;

/** What tmux prints for one row: the values joined by the separator the format puts between fields. */
const line = (...values: string[]) => values.join(FIELD_SEP);

describe('buildFormat / parseRows', () => {
  it('builds one #{field} per key, joined by the separator', () => {
    expect(buildFormat(['session_id', '@tmuxctl-hash', 'session_name'])).toBe(`#{session_id}${FIELD_SEP}#{@tmuxctl-hash}${FIELD_SEP}#{session_name}`);
    expect(FIELD_SEP).toContain(':'); // no session name can contain ':'
  });

  it('round trips rows', () => {
    const rows = [
      { a: '$1', b: 'v1.abc', name: 'alpha' },
      { a: '$2', b: 'x', name: 'beta' },
    ];
    const stdout = rows.map((r) => line(r.a, r.b, r.name)).join('\n') + '\n';
    expect(parseRows(stdout, KEYS)).toEqual(rows);
  });

  it('keeps empty fields, first, middle and last', () => {
    expect(parseRows(line('', '', 'n') + '\n', KEYS)).toEqual([{ a: '', b: '', name: 'n' }]);
    expect(parseRows(line('x', '', '') + '\n', KEYS)).toEqual([{ a: 'x', b: '', name: '' }]);
  });

  it('keeps separators and look-alikes inside the last field (a foreign session name)', () => {
    const odd = `we|ird${FIELD_SEP}name|:x`;
    expect(parseRows(line('$3', 'h', odd), KEYS)).toEqual([{ a: '$3', b: 'h', name: odd }]);
  });

  it('keeps pipes, tabs and spaces inside values', () => {
    expect(parseRows(line('a|b', 'c\td e', 'f g'), KEYS)).toEqual([{ a: 'a|b', b: 'c\td e', name: 'f g' }]);
  });

  it('drops blank lines and lines with too few fields', () => {
    expect(parseRows(`\n${line('only', 'two')}\n\n${line('1', '2', '3')}\n`, KEYS)).toEqual([{ a: '1', b: '2', name: '3' }]);
    expect(parseRows('', KEYS)).toEqual([]);
  });
});

describe('formats against a real tmux', () => {
  const t = useTmuxServer();

  it('list-panes output of odd session names and option values parses back exactly', async () => {
    // Names tmux accepts but a naive parser would not: separators, spaces, pipes, '#'.
    const names = ['plain', 'with space', 'pi|pe', 'hash#name', 'dash-_under', 'ünï'];
    const values = ['', 'v|1', 'a b', `x${FIELD_SEP.slice(0, 2)}y`, '#literal', 'end|'];
    for (const [i, name] of names.entries()) {
      await t.tmux('new-session', '-d', '-s', name, '--', ...LONG_RUNNING);
      // set-option without -F stores the value as is: no format expansion.
      if (values[i] !== '') await t.tmux('set-option', '-t', `=${name}:`, '@v', values[i]!);
    }
    const keys = ['id', 'v', 'name'] as const;
    const out = await t.tmux('list-panes', '-a', '-F', buildFormat(['session_id', '@v', 'session_name']));
    const rows = parseRows(out, keys);
    expect(rows).toHaveLength(names.length);
    expect(Object.fromEntries(rows.map((r) => [r.name, r.v]))).toEqual(Object.fromEntries(names.map((n, i) => [n, values[i]])));
    for (const r of rows) expect(r.id).toMatch(/^\$\d+$/);
  });
});

const row = snapshotRow;

describe('sessionsFromRows', () => {
  const base = { sessionId: '$1', created: '1700000000', windowId: '@1', windowIndex: '0', paneId: '%1', panePid: '100', dead: '0', name: 'alpha' };

  it('empty option fields mean a foreign session with defaults', () => {
    const s = sessionsFromRows([row(base)]).get('alpha')!;
    expect(s).toMatchObject({ id: '$1', owned: false, legacy: false, source: undefined, envKeys: [], attached: 0, createdAt: 1700000000000 });
    expect(s.windows).toEqual([{ id: '@1', index: 0, panes: [{ id: '%1', pid: 100, dead: false, active: false }] }]);
  });

  it('finds the stamped pane among several, and reads exits and window stamps', () => {
    const owned = { ...base, hash: 'v2', windowStamp: 'w=web n=2 l=tiled', envKeys: 'A,B' };
    const rows = [
      row({ ...owned, paneId: '%1', panePid: '100', active: '1' }),
      row({ ...owned, paneId: '%2', panePid: '200', dead: '1', deadSignal: '9', deadTime: '1700000100', paneStamp: 'w=web i=1 h=x r=2 c=1 x=status:3' }),
      row({ ...owned, paneId: '%3', panePid: '300', deadStatus: '0', dead: '1' }),
    ];
    const s = sessionsFromRows(rows).get('alpha')!;
    expect(s).toMatchObject({ owned: true, legacy: false, envKeys: ['A', 'B'] });
    expect(s.windows[0]!.stamp).toEqual({ name: 'web', panes: 2, layout: 'tiled' });
    const [user, managed, other] = s.windows[0]!.panes;
    expect(managed).toEqual({
      id: '%2',
      pid: 200,
      dead: true,
      active: false,
      exit: { signal: 9 },
      deadAt: 1700000100000,
      stamp: { window: 'web', index: 1, hash: 'x', restarts: 2, crashes: 1, lastExit: { status: 3 } },
    });
    expect(user!.stamp).toBeUndefined();
    expect(other).toMatchObject({ dead: true, exit: { status: 0 } });
    expect(other!.stamp).toBeUndefined();
  });
});
