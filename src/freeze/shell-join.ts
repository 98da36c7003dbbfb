/** Characters no POSIX shell, fish or zsh gives a meaning to inside a word. */
const PLAIN = /^[A-Za-z0-9_@%+:,./-]+$/;

/**
 * argv as a line typed into a shell: plain words as they are, anything else single-quoted (`'`
 * written as `'\''`), so that the shell hands the program the same arguments. `=` is plain inside
 * an argument (`--port=3000`), but not in the first word (`A=b` would be an assignment) nor at the
 * start of one (zsh expands `=cmd`); `~` is never plain.
 */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((word, i) => (isPlain(word, i === 0) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function isPlain(word: string, first: boolean): boolean {
  if (PLAIN.test(word)) return true;
  return !first && !word.startsWith('=') && PLAIN.test(word.replace(/=/g, ''));
}
