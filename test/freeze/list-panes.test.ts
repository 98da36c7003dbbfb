import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FORMAT, listPanes, parsePaneRows } from '../../src/freeze/list-panes.js';
import { TmuxClient } from '../../src/tmux/client.js';
import { useTmuxServer } from '../helpers/tmux.js';

/** One row as tmux prints it under FORMAT: every value already escaped by `q:`. */
const row = (...fields: string[]) => `${fields.join('|')}&\n`;

describe('parsePaneRows', () => {
  it('reads typed fields', () => {
    const out = row('$1', 'proj', '', '', '2', 'servers', 'b25d,80x24,0,0,0', '1', '4242', '0', '/home/u/src', 'sleep\\ 30');
    expect(parsePaneRows(out)).toEqual([
      {
        sessionId: '$1',
        session: 'proj',
        owned: false,
        windowIndex: 2,
        windowName: 'servers',
        layout: 'b25d,80x24,0,0,0',
        paneIndex: 1,
        pid: 4242,
        dead: false,
        cwd: '/home/u/src',
        startCommand: 'sleep 30',
      },
    ]);
  });

  it('takes escaped separators, backslashes and raw newlines as part of a value', () => {
    const out = row('$1', 'a\\|b\\&c', 'v1.x', '', '0', 'w\\\\n\nx', 'l', '0', '1', '1', '/p\\|q', '');
    const [r] = parsePaneRows(out);
    expect(r).toMatchObject({ session: 'a|b&c', owned: true, windowName: 'w\\n\nx', dead: true, cwd: '/p|q' });
  });

  it('reads a session that carries only its source (as tmuxctl creates it now) as owned', () => {
    const [r] = parsePaneRows(row('$1', 'made', '', '/specs/app.yaml', '0', 'w', 'l', '0', '1', '0', '/', ''));
    expect(r).toMatchObject({ session: 'made', owned: true });
  });

  it('drops a row with another number of fields', () => {
    expect(parsePaneRows(row('$1', 'x') + row('$1', 'proj', '', '', '0', 'w', 'l', '0', '1', '0', '/', ''))).toHaveLength(1);
  });
});

describe('listPanes against tmux', () => {
  const server = useTmuxServer();
  const client = () => new TmuxClient({ socketName: server.socket }, server.env);

  it('is empty without a server', async () => {
    expect(await listPanes(client())).toEqual([]);
  });

  it('reads names and paths holding the separators, quotes, spaces and newlines intact', async () => {
    const odd = server.path('dir | with & odd\\chars');
    mkdirSync(odd, { recursive: true });
    const windowName = 'w|x&y\\z "q" \'s\' %1\nnext';
    await server.tmux('new-session', '-d', '-s', 'odd|name&x', '-n', windowName, '-c', odd, '--', 'sleep', '600');
    const rows = await listPanes(client());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ session: 'odd|name&x', windowName, cwd: odd, paneIndex: 0, dead: false, owned: false });
    expect(FORMAT).toContain('#{q:window_name}');
  });
});
