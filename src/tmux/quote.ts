/**
 * Quotes one argument for tmux's command language (what `source-file` reads). Inside single quotes
 * tmux expands nothing: no $VAR, no ~, no #{}, no escapes, newlines kept; a ' closes the quote, so it
 * is written as '\'' exactly as in sh.
 */
export function quoteArg(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

/** Quotes one word for sh (tmux runs pipe-pane and run-shell commands through /bin/sh). */
export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
