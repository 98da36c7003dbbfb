import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellJoin } from '../../src/freeze/shell-join.js';

/** The arguments a real sh hands a program for the typed line. */
function argsAfterTyping(line: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellJoin', () => {
  it('leaves plain words plain', () => {
    expect(shellJoin(['npm', 'run', 'dev', '--port=3000', './x/y.js', 'a,b:c@d%e+f'])).toBe('npm run dev --port=3000 ./x/y.js a,b:c@d%e+f');
  });

  it('quotes an assignment-looking first word, a leading = and ~', () => {
    expect(shellJoin(['A=b', 'x'])).toBe("'A=b' x");
    expect(shellJoin(['x', '=cmd', '~/src'])).toBe("x '=cmd' '~/src'");
  });

  it.each([
    [['sleep', '1000']],
    [['echo', "it's", '', 'a b', '$HOME', '`id`', '"q"', 'a\\b', '*', '?', '[x]', '{a,b}', '#c', ';', '&', '|', '>o', '!x', '~', '=x', 'a=b']],
    [['printf', 'two\nlines', '\ttab']],
  ])('a real sh gets the same arguments back: %j', (argv) => {
    expect(argsAfterTyping(shellJoin(argv))).toEqual(argv);
  });
});
