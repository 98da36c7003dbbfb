import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { remoteCommand, remotePath, shWord } from '../../src/host/ssh/remote-words.js';

/** Words that break naive quoting: each must arrive on the remote as exactly this one word. */
const HOSTILE = [
  'plain',
  '',
  ' ',
  'two words',
  "it's",
  "''",
  `'"'"'`,
  'say "hi"',
  '$HOME',
  '${HOME}',
  '$(id)',
  '`id`',
  ';',
  'a;b',
  'a && b',
  'a | b',
  '>out',
  '<in',
  '&',
  '~',
  '~/x',
  '~root',
  'A=1',
  'if',
  '!',
  '#',
  '# comment',
  '*',
  '?',
  '[a]',
  '{a,b}',
  '\\',
  'trailing\\',
  'line one\nline two',
  '\n',
  '\t',
  '-n',
  '--',
  'é ü 漢字',
  '%s',
  '\x01\x7f',
];

/** The shells a remote login shell may be: each must read the command line the same way. */
const SHELLS = ['/bin/sh', '/bin/dash', '/bin/bash', '/usr/bin/zsh'].filter((s) => existsSync(s));

describe('remoteCommand', () => {
  it.each(SHELLS)('every hostile word arrives as itself, one word each, through %s -c (as sshd runs it)', (shell) => {
    const cmd = remoteCommand(['printf', '%s\\0', ...HOSTILE]);
    const out = execFileSync(shell, ['-c', cmd], { encoding: 'utf8', cwd: '/' });
    expect(out.split('\0').slice(0, -1)).toEqual(HOSTILE);
  });

  it('a word that looks like an assignment or a reserved word is still run as a command name', () => {
    expect(remoteCommand(['A=1', 'x'])).toBe("'A=1' x");
    expect(remoteCommand(['if'])).toBe("'if'");
  });

  it('leaves plain words bare so the command stays readable', () => {
    expect(remoteCommand(['tmux', '-L', 'tmuxctl-a1', 'list-panes', '-a', '-F', '#{pane_id}'])).toBe("tmux -L tmuxctl-a1 list-panes -a -F '#{pane_id}'");
  });

  it('quotes the empty word (it must not vanish)', () => {
    expect(shWord('')).toBe("''");
  });

  it('refuses NUL (no command line can carry it) and an empty argv', () => {
    expect(() => shWord('a\0b')).toThrow(/NUL/);
    expect(() => remoteCommand([])).toThrow(/no remote command/);
  });
});

describe('remotePath', () => {
  it('a leading ~ or ~/ is the remote home, the rest quoted', () => {
    expect(remotePath('~')).toEqual({ shellText: '"$HOME"' });
    expect(remotePath('~/')).toEqual({ shellText: '"$HOME"/' });
    expect(remotePath('~/claude ops/$x')).toEqual({ shellText: `"$HOME"/'claude ops/$x'` });
    expect(remotePath('~root/x y')).toEqual({ shellText: `~root/'x y'` });
    expect(remotePath('~root')).toEqual({ shellText: '~root' });
  });

  it('anything else is literal: ~ elsewhere, odd user names, absolute and relative paths', () => {
    for (const p of ['/srv/a b', 'rel/dir', 'a/~/b', '~$(id)/x', '~a b/c', '']) expect(remotePath(p)).toBe(p);
  });

  it.each(SHELLS)('%s expands it against its own HOME', (shell) => {
    const cmd = remoteCommand(['printf', '%s\\0', remotePath('~'), remotePath('~/claude ops/$x'), remotePath('~/'), remotePath('/abs/~/x')]);
    const out = execFileSync(shell, ['-c', cmd], { encoding: 'utf8', env: { HOME: '/home/with space', PATH: process.env.PATH } });
    expect(out.split('\0').slice(0, -1)).toEqual(['/home/with space', '/home/with space/claude ops/$x', '/home/with space/', '/abs/~/x']);
  });
});
