import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TmuxClient } from '../../src/tmux/client.js';
import { commandLine, quoteArg } from '../../src/tmux/quote.js';
import { fixturesBin, readIfExists, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();
const client = () => new TmuxClient({ socketName: t.socket }, t.env);

const FIXED = [
  'plain',
  'two words',
  "it's",
  "''",
  `'"'"'`,
  'say "hi"',
  '$HOME',
  '${HOME}',
  '~',
  '~/x',
  ';',
  'a;b',
  ' ; ',
  'a \\; b',
  '\\',
  'trailing\\',
  '\\n',
  '#{session_name}',
  '#[fg=red]',
  '##',
  '#',
  '%if #{1}',
  '%hidden X=1',
  '{',
  '}',
  '{ a }',
  'line one\nline two',
  '\n',
  // After a newline, even inside quotes, tmux drops blanks and a # comment, and a backslash before
  // one joins the lines: every one of these came back changed before quoteArg escaped newlines.
  'a\n  indented\n\ttabbed',
  'a\n# not a comment\nb',
  'a\n#',
  '\n#{session_name}\n##',
  'continued\\\nline',
  'two\\\\\nbackslashes',
  '#!/bin/sh\n# comment\n  echo "$1" # trailing\n',
  'tab\there',
  ' leading and trailing ',
  '-t',
  '--',
  'é€😀',
];

/** Deterministic strings over the characters that matter to tmux's parser and to sh. */
function fuzz(count: number): string[] {
  const alphabet = [...'ab $;\'"\\#{}~%`()|&<>*?!=\n\t-é'];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  return Array.from({ length: count }, () => Array.from({ length: 1 + rand(24) }, () => alphabet[rand(alphabet.length)]).join(''));
}

describe('quoteArg', () => {
  it('single-quotes, writing a quote as in sh', () => {
    expect(quoteArg('a')).toBe(`'a'`);
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArg('')).toBe(`''`);
    expect(quoteArg('a\nb')).toBe(`'a'"\\n"'b'`);
    expect(quoteArg('\n')).toBe(`''"\\n"''`);
    expect(commandLine(['set-option', '-t', '=a:', '@x', 'v w'])).toBe(`'set-option' '-t' '=a:' '@x' 'v w'`);
  });

  it('keeps arbitrary strings exact through a real `tmux source-file -`', async () => {
    const strings = [...FIXED, ...fuzz(150)];
    const dir = t.path('buffers');
    const lines = strings.flatMap((s, i) => [
      commandLine(['set-buffer', '-b', `q${i}`, '--', s]),
      commandLine(['save-buffer', '-b', `q${i}`, path.join(dir, `q${i}`)]),
    ]);
    // save-buffer does not create folders.
    t.writeFile('buffers/.keep', '');
    const errors = await client().runScript(lines);
    expect(errors).toEqual([]);
    const back = strings.map((_, i) => readFileSync(path.join(dir, `q${i}`), 'utf8'));
    expect(back).toEqual(strings);
  });

  it('keeps argv exact, empty arguments included, through new-session in one source-file line', async () => {
    const out = t.path('quote-argv.json');
    const argv = [process.execPath, path.join(fixturesBin, 'record-argv.mjs'), '', ...FIXED, '', ...fuzz(20)];
    const line = [
      commandLine(['new-session', '-d', '-s', 'quote-argv', '-e', `RECORD_TO=${out}`, '--', ...argv]),
      commandLine(['set-option', '-t', '=quote-argv:', '@x', 'a ; b']),
    ].join(' ; ');
    expect(await client().runScript([line])).toEqual([]);
    const got = JSON.parse(await waitFor(() => readIfExists(out), 5000, 'argv recorded'));
    expect(got.argv).toEqual(argv.slice(2));
    expect((await t.tmux('show-options', '-v', '-t', '=quote-argv:', '@x')).trim()).toBe('a ; b');
  });

  it('a failed command skips the rest of its line only', async () => {
    const lines = [
      [commandLine(['set-option', '-t', '=no-such-session:', '@x', '1']), commandLine(['set-buffer', '-b', 'skipped', 'x'])].join(' ; '),
      commandLine(['set-buffer', '-b', 'kept', 'y']),
    ];
    const errors = await client().runScript(lines);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/no-such-session/);
    const buffers = await t.tmux('list-buffers', '-F', '#{buffer_name}');
    expect(buffers.split('\n')).toContain('kept');
    expect(buffers.split('\n')).not.toContain('skipped');
  });
});
