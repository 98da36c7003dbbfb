import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/spec/env-file.js';

const vars = (text: string) => Object.fromEntries(parseEnvFile(text).vars);
const problems = (text: string) => parseEnvFile(text).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);

describe('parseEnvFile', () => {
  it('reads KEY=value lines, skipping blanks and comments', () => {
    expect(vars('# comment\n\nA=1\n  B = two  \n\t# indented comment\nC=\n')).toEqual({ A: '1', B: 'two', C: '' });
    expect(problems('# comment\n\nA=1\n')).toEqual([]);
  });

  it('accepts an export prefix, and export as a plain key', () => {
    expect(vars('export A=1\nexport\tB=2\nexport=3\n')).toEqual({ A: '1', B: '2', export: '3' });
  });

  it('trims unquoted values and starts a comment at " #" only', () => {
    expect(vars('A=value # comment\nB=a#b\nC= #only a comment\nD=x\t# tab comment\nE=a = b\n')).toEqual({
      A: 'value',
      B: 'a#b',
      C: '',
      D: 'x',
      E: 'a = b',
    });
  });

  it('keeps single- and backtick-quoted values literally', () => {
    expect(vars(`A='a\\nb # not a comment'\nB=\`it's "x"\\t\`\nC=' spaced '\n`)).toEqual({
      A: 'a\\nb # not a comment',
      B: `it's "x"\\t`,
      C: ' spaced ',
    });
  });

  it('unescapes \\n \\r \\t \\" \\\\ in double quotes and keeps other backslashes', () => {
    expect(vars('A="a\\nb\\tc\\"d\\\\e\\r"\nB="C:\\\\dir\\x"\n')).toEqual({ A: 'a\nb\tc"d\\e\r', B: 'C:\\dir\\x' });
  });

  it('reads multi-line quoted values and allows a comment after the closing quote', () => {
    expect(vars('KEY="-----BEGIN-----\nabc\n-----END-----" # pem\nNEXT=1\nS=\'one\ntwo\'\n')).toEqual({
      KEY: '-----BEGIN-----\nabc\n-----END-----',
      NEXT: '1',
      S: 'one\ntwo',
    });
  });

  it('lets a later line win, handles CRLF and a BOM', () => {
    expect(vars('\uFEFFA=1\r\nA=2\r\nB="x\r\ny"\r\n')).toEqual({ A: '2', B: 'x\ny' });
  });

  it('does not expand variables', () => {
    expect(vars('A=$HOME\nB="${USER}"\n')).toEqual({ A: '$HOME', B: '${USER}' });
  });

  it('reports malformed lines with their position and goes on', () => {
    const text = ['A=1', '  just-a-token', 'MY KEY=x', '9LIVES=x', 'B="open', 'C=3', "D='x' y", ''].join('\n');
    expect(problems(text)).toEqual([
      '2:3: expected KEY=value, but this line has no "="',
      "3:1: invalid variable name: use letters, digits and '_', not starting with a digit",
      "4:1: invalid variable name: use letters, digits and '_', not starting with a digit",
      '5:3: unterminated double-quoted value: no closing " before the end of the file',
      '7:7: unexpected text after the closing quote (a comment starts with #)',
    ]);
    // After an unterminated quote the next line is read afresh: most likely only the closing quote is missing.
    expect(vars(text)).toEqual({ A: '1', C: '3' });
  });

  it('never puts line content in a message', () => {
    const { problems: found } = parseEnvFile('sk-live-123456\nBAD KEY=sk-live-123456\nX="sk-live-123456\n');
    expect(found).toHaveLength(3);
    for (const p of found) expect(p.message).not.toContain('sk-live');
  });
});
