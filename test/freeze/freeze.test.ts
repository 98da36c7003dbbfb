import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freezeSessions } from '../../src/freeze/freeze.js';
import type { PaneRow } from '../../src/freeze/list-panes.js';
import type { PaneProcess } from '../../src/freeze/pane-process.js';
import { renderSpec } from '../../src/freeze/render.js';
import { loadDesiredState } from '../../src/spec/load.js';
import { useTempDir } from '../cli/helpers.js';

const LAYOUT = '5f80,120x40,0,0{80x40,0,0,1,39x40,81,0[39x19,81,0,2,39x20,81,20,3]}';
let nextPid = 100;

/** A pane row as list-panes gives it; pid and cwd made up. */
function pane(session: string, windowIndex: number, windowName: string, paneIndex: number, cwd: string, extra: Partial<PaneRow> = {}): PaneRow {
  return {
    sessionId: `$${session.length}${session}`,
    session,
    owned: false,
    windowIndex,
    windowName,
    layout: LAYOUT,
    paneIndex,
    pid: nextPid++,
    dead: false,
    cwd,
    startCommand: '',
    ...extra,
  };
}

/** rows + what runs in each (by position) → the spec text freeze writes. */
function freeze(panes: [PaneRow, PaneProcess | undefined][], home = '/home/u'): string {
  const processes = new Map(panes.filter(([, p]) => p).map(([r, p]) => [r.pid, p!]));
  const sessions = freezeSessions(
    panes.map(([r]) => r),
    { processes, loginShell: '/bin/bash', home },
  );
  return renderSpec(sessions, '/opt/tmuxctl/schema/tmuxctl.schema.json');
}

const shell = { argv: ['-bash'] };

describe('freeze: live panes to spec text', () => {
  it('windows by index, panes by index, a layout for split windows, keys for shells, argv for programs', () => {
    const text = freeze([
      // Listed out of order on purpose: tmux's order is not trusted.
      [pane('shop', 2, 'servers', 1, '/home/u/src/shop'), { argv: ['-bash'], foreground: ['sleep', '1000'] }],
      [pane('shop', 2, 'servers', 0, '/home/u/src/shop'), { argv: ['sleep', '2000'] }],
      [pane('shop', 1, 'editor', 0, '/home/u/src/shop'), { argv: ['-bash'], foreground: ['vim', '.'] }],
      [pane('shop', 2, 'servers', 2, '/home/u/src/shop'), shell],
      [pane('shop', 3, 'cache', 0, '/home/u/src/shop'), { argv: ['redis-server', '--port', '6380'] }],
    ]);
    expect(text).toBe(`# yaml-language-server: $schema=/opt/tmuxctl/schema/tmuxctl.schema.json
version: 1
sessions:
  shop:
    cwd: ~/src/shop
    windows:
      - name: editor
        keys: vim .
      - name: servers
        layout: ${LAYOUT}
        panes:
          - command: [sleep, '2000']
          - keys: sleep 1000
          - keys: ''
      - name: cache
        command: [redis-server, --port, '6380']
`);
  });

  it('a cwd shared by a window goes on the window, a pane keeps its own where it differs', () => {
    const text = freeze([
      [pane('w', 0, 'a', 0, '/srv/a'), shell],
      [pane('w', 0, 'a', 1, '/srv/a'), shell],
      [pane('w', 1, 'b', 0, '/srv/b'), shell],
      [pane('w', 1, 'b', 1, '/home/u'), { argv: ['sh', '-c', 'make watch'] }],
      [pane('w', 2, 'c', 0, '/srv/c'), shell],
    ]);
    expect(text).toBe(`# yaml-language-server: $schema=/opt/tmuxctl/schema/tmuxctl.schema.json
version: 1
sessions:
  w:
    windows:
      - name: a
        cwd: /srv/a
        layout: ${LAYOUT}
        panes:
          - keys: ''
          - keys: ''
      - name: b
        layout: ${LAYOUT}
        panes:
          - keys: ''
            cwd: /srv/b
          - command: make watch
            cwd: '~'
      - name: c
        cwd: /srv/c
        keys: ''
`);
  });

  it('renames what is not a valid spec name or is taken twice, and says so in a comment', () => {
    const text = freeze([
      [pane('my proj', 0, 'editor', 0, '/x'), shell],
      [pane('my proj', 1, 'editor', 0, '/x'), shell],
      [pane('my proj', 2, 'python3.11', 0, '/x'), { argv: ['python3.11', '-m', 'http.server'] }],
      [pane('my-proj', 0, 'zsh', 0, '/x'), { argv: ['-zsh'] }],
    ]);
    expect(text).toBe(`# yaml-language-server: $schema=/opt/tmuxctl/schema/tmuxctl.schema.json
version: 1
sessions:
  # tmux session "my proj" renamed my-proj: a session name may only use letters, digits, '_' and '-' (at most 64)
  my-proj:
    cwd: /x
    windows:
      - name: editor
        keys: ''
      # tmux window "editor" renamed editor-2: an earlier window of this session has that name
      - name: editor-2
        keys: ''
      # tmux window "python3.11" renamed python3-11: a window name may only use letters, digits, '_' and '-' (at most 64)
      - name: python3-11
        command: [python3.11, -m, http.server]
  # tmux session "my-proj" renamed my-proj-2: an earlier session has that name
  my-proj-2:
    cwd: /x
    windows:
      - name: zsh
        shell: zsh
        keys: ''
`);
  });

  it('a dead pane is a plain shell with a comment, in a window or as one of its panes', () => {
    const text = freeze([
      [pane('d', 0, 'crashed', 0, '/x', { dead: true, startCommand: 'false' }), undefined],
      [pane('d', 1, 'split', 0, '/x'), shell],
      [pane('d', 1, 'split', 1, '/x', { dead: true, startCommand: '"sleep 1; exit 3"' }), undefined],
    ]);
    expect(text).toContain(`      # this pane was dead when frozen (tmux shows its start command as "false"): written as a plain shell
      - name: crashed
        keys: ''`);
    expect(text).toContain(`          - keys: ''
          # this pane was dead when frozen (tmux shows its start command as "\\"sleep 1; exit 3\\""): written as a plain shell
          - keys: ''`);
  });

  it('quotes what YAML would misread, and keeps multi-line keys', () => {
    const text = freeze([
      [pane('q', 0, 'a', 0, '/x'), { argv: ['node', 'server.js', '--flag', 'yes', '# not a comment', '- dash', 'key: value', '007', '', 'null'] }],
      [pane('q', 1, 'b', 0, '/x'), { argv: ['bash'], foreground: ['printf', 'a\nb'] }],
    ]);
    expect(text).toContain(`command: [node, server.js, --flag, yes, '# not a comment', '- dash', 'key: value', '007', '', 'null']`);
    expect(text).toContain(`keys: |-\n          printf 'a\n          b'`);
  });

  it('a cwd that no longer exists is left out, with a note (the loader would refuse it)', () => {
    const rows = [pane('g', 0, 'a', 0, '/srv/x (deleted)'), pane('g', 1, 'b', 0, '/srv/y')];
    const sessions = freezeSessions(rows, {
      processes: new Map(rows.map((r) => [r.pid, shell])),
      loginShell: '/bin/bash',
      isFolder: (p) => p === '/srv/y',
    });
    expect(renderSpec(sessions, 'S')).toBe(`# yaml-language-server: $schema=S
version: 1
sessions:
  g:
    windows:
      # its working directory "/srv/x (deleted)" no longer exists: left out
      - name: a
        keys: ''
      - name: b
        cwd: /srv/y
        keys: ''
`);
  });

  it('a cwd outside the home stays absolute; with no home known every cwd does', () => {
    expect(freeze([[pane('h', 0, 'a', 0, '/home/user2/x'), shell]])).toContain('cwd: /home/user2/x');
    expect(freeze([[pane('h', 0, 'a', 0, '/home/u/x'), shell]], '')).toContain('cwd: /home/u/x');
  });
});

describe('freeze output and the real loader', () => {
  const tmp = useTempDir();

  it('loads without a problem, and means what the panes run: keys panes run the shell, strings run under sh -c', async () => {
    const home = path.join(tmp.dir, 'home');
    const shop = path.join(home, 'src', 'shop');
    const other = path.join(tmp.dir, 'srv', 'other dir');
    for (const d of [shop, other]) mkdirSync(d, { recursive: true });
    const text = freeze(
      [
        [pane('my shop', 0, 'editor', 0, shop), { argv: ['-bash'], foreground: ['vim', '.'] }],
        [pane('my shop', 1, 'servers', 0, shop), { argv: ['sleep', '2000'] }],
        [pane('my shop', 1, 'servers', 1, other), { argv: ['-zsh'], foreground: ['sleep', '1000'] }],
        [pane('my shop', 1, 'servers', 2, shop), { argv: ['sh', '-c', 'sleep 3000; echo done'] }],
        [pane('my shop', 2, 'editor', 0, home), shell],
        [pane('my shop', 3, 'crashed', 0, shop, { dead: true, startCommand: 'false' }), undefined],
        [pane('solo', 0, 'python3.11', 0, other), { argv: ['python3.11', '-m', 'http.server', '--bind', '127.0.0.1'] }],
      ],
      home,
    );
    const file = path.join(tmp.dir, 'specs', 'frozen.yaml');
    mkdirSync(path.dirname(file));
    writeFileSync(file, text);

    const loaded = await loadDesiredState([file], { cwd: tmp.dir, env: {}, home, loginShell: '/bin/bash' });
    if (!loaded.ok) throw new Error(`problems:\n${loaded.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n')}\n${text}`);
    const view = loaded.desired.sessions.map((s) => ({
      name: s.name,
      windows: s.windows.map((w) => ({
        name: w.name,
        layout: w.layout,
        panes: w.panes.map((p) => ({ target: p.target, command: p.command, keys: p.keys, cwd: p.cwd })),
      })),
    }));
    expect(view).toEqual([
      {
        name: 'my-shop',
        windows: [
          {
            name: 'editor',
            layout: undefined,
            panes: [{ target: 'my-shop:editor.0', command: { kind: 'argv', argv: ['/bin/bash'] }, keys: 'vim .', cwd: shop }],
          },
          {
            name: 'servers',
            layout: LAYOUT,
            panes: [
              { target: 'my-shop:servers.0', command: { kind: 'argv', argv: ['sleep', '2000'] }, keys: undefined, cwd: shop },
              { target: 'my-shop:servers.1', command: { kind: 'argv', argv: ['zsh'] }, keys: 'sleep 1000', cwd: other },
              { target: 'my-shop:servers.2', command: { kind: 'shell', script: 'sleep 3000; echo done' }, keys: undefined, cwd: shop },
            ],
          },
          {
            name: 'editor-2',
            layout: undefined,
            panes: [{ target: 'my-shop:editor-2.0', command: { kind: 'argv', argv: ['/bin/bash'] }, keys: '', cwd: home }],
          },
          { name: 'crashed', layout: undefined, panes: [{ target: 'my-shop:crashed.0', command: { kind: 'argv', argv: ['/bin/bash'] }, keys: '', cwd: shop }] },
        ],
      },
      {
        name: 'solo',
        windows: [
          {
            name: 'python3-11',
            layout: undefined,
            panes: [
              { target: 'solo', command: { kind: 'argv', argv: ['python3.11', '-m', 'http.server', '--bind', '127.0.0.1'] }, keys: undefined, cwd: other },
            ],
          },
        ],
      },
    ]);
  });
});
