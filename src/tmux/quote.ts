/**
 * Quotes one argument for tmux's command language (what `source-file` reads). Inside single quotes
 * tmux expands nothing: no $VAR, no ~, no #{}, no escapes; a ' closes the quote, so it is written as
 * '\'' exactly as in sh. A newline is the exception: even inside quotes tmux drops the blanks that
 * follow one, drops a `#` comment line after one, and joins a line that ends in a backslash. So no
 * newline is ever written literally: each becomes a double-quoted "\n" escape between quoted pieces.
 */
export function quoteArg(arg: string): string {
  return arg
    .split('\n')
    .map((piece) => `'${piece.replace(/'/g, `'\\''`)}'`)
    .join('"\\n"');
}

export function commandLine(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

/** Quotes one word for sh (tmux runs pipe-pane and run-shell commands through /bin/sh). */
export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
