import { describe, expect, it } from 'vitest';
import type { PaneProcess } from '../../src/freeze/pane-process.js';
import { paneRun } from '../../src/freeze/pane-run.js';

const live = { dead: false, startCommand: '' };
const run = (proc: PaneProcess | undefined, pane = live, loginShell = '/bin/bash') => paneRun(proc, pane, loginShell);

describe('paneRun: what a pane runs, in spec terms', () => {
  it.each([
    ['a login shell at its prompt', { argv: ['-bash'] }, { kind: 'keys', keys: '' }],
    ['an interactive shell with options', { argv: ['/bin/bash', '-l', '--noprofile'] }, { kind: 'keys', keys: '' }],
    ['a shell with a foreground job', { argv: ['-bash'], foreground: ['sleep', '1000'] }, { kind: 'keys', keys: 'sleep 1000' }],
    [
      'a job whose arguments need quoting',
      { argv: ['bash'], foreground: ['grep', '-r', "it's here", '--', 'a b'] },
      { kind: 'keys', keys: "grep -r 'it'\\''s here' -- 'a b'" },
    ],
    ['another shell than the login shell', { argv: ['-zsh'] }, { kind: 'keys', keys: '', shell: 'zsh' }],
    ['another shell, with a job', { argv: ['/usr/bin/fish'], foreground: ['vim', '.'] }, { kind: 'keys', keys: 'vim .', shell: 'fish' }],
    ['a program run directly', { argv: ['sleep', '2000'] }, { kind: 'command', command: ['sleep', '2000'] }],
    ['a program run directly, even with a terminal group of its own', { argv: ['vim', 'x'], foreground: ['less'] }, { kind: 'command', command: ['vim', 'x'] }],
    ['sh -c SCRIPT: the string form', { argv: ['sh', '-c', 'sleep 3000; echo done'] }, { kind: 'command', command: 'sleep 3000; echo done' }],
    ['/bin/sh -c SCRIPT', { argv: ['/bin/sh', '-c', 'a && b'] }, { kind: 'command', command: 'a && b' }],
    ['bash -c SCRIPT keeps bash', { argv: ['bash', '-c', 'sleep 1; echo'] }, { kind: 'command', command: ['bash', '-c', 'sleep 1; echo'] }],
    ['a clustered -lc is a command', { argv: ['bash', '-lc', 'make'] }, { kind: 'command', command: ['bash', '-lc', 'make'] }],
    ['fish --command is a command', { argv: ['fish', '--command', 'make'] }, { kind: 'command', command: ['fish', '--command', 'make'] }],
    ['fish --command=... is a command', { argv: ['fish', '--command=make'] }, { kind: 'command', command: ['fish', '--command=make'] }],
    ['a shell running a script', { argv: ['bash', 'deploy.sh'] }, { kind: 'command', command: ['bash', 'deploy.sh'] }],
    ['a shell-like name is not a shell', { argv: ['bashtop'] }, { kind: 'command', command: ['bashtop'] }],
  ] as const)('%s', (_, proc, expected) => {
    const r = run({ argv: [...proc.argv], ...('foreground' in proc && { foreground: [...proc.foreground] }) });
    expect(r.run).toEqual(expected);
    expect(r.note).toBeUndefined();
  });

  it('a process that rewrote its title: kept as shell text, with a note', () => {
    expect(run({ argv: ['npm run dev'] })).toEqual({
      run: { kind: 'command', command: 'npm run dev' },
      note: 'the process rewrote its title: its title is run as an sh -c command',
    });
    expect(run({ argv: ['-bash'], foreground: ['npm run dev'] }).run).toEqual({ kind: 'keys', keys: 'npm run dev' });
  });

  it('a dead pane becomes a plain shell, with a note naming how tmux started it', () => {
    expect(run(undefined, { dead: true, startCommand: 'false' })).toEqual({
      run: { kind: 'keys', keys: '' },
      note: 'this pane was dead when frozen (tmux shows its start command as "false"): written as a plain shell',
    });
    expect(run({ argv: [] }).note).toBe('the process of this pane was gone when frozen (its shell): written as a plain shell');
  });

  it('compares shells by program name: /usr/bin/zsh is the login shell zsh', () => {
    expect(run({ argv: ['-zsh'] }, live, '/usr/bin/zsh').run).toEqual({ kind: 'keys', keys: '' });
  });
});
