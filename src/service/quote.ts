/**
 * Quoting for the two languages a service is written in: systemd unit files and sh (the crontab and
 * nohup lines). Paths are the user's (a home folder with a space, a spec folder named `100%`), so
 * every argument goes through here; none is pasted in as is.
 */

/** Control characters (a newline would end the unit line, NUL ends the argument): refused by the caller. */
export function hasControlChar(s: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  return /[\x00-\x1f\x7f]/.test(s);
}

/** `%` starts a specifier in every unit setting; `%%` is a literal one. */
export function escapeSpecifiers(s: string): string {
  return s.replace(/%/g, () => '%%');
}

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word of an `Exec*=` line. systemd splits on whitespace, honours double quotes with C escapes,
 * expands `$NAME` (so `$$`) and `%x` specifiers (so `%%`) in every word, quoted or not.
 */
export function execWord(s: string): string {
  const escaped = escapeSpecifiers(s).replace(/\$/g, () => '$$');
  if (PLAIN.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** One `Environment=` line: the whole assignment quoted; specifiers are expanded there, `$` is not. */
export function environmentLine(name: string, value: string): string {
  const assignment = escapeSpecifiers(`${name}=${value}`).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `Environment="${assignment}"`;
}

/** One sh word: as is when nothing in it is special to sh, else single-quoted. */
export function shWord(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A crontab command line: cron turns an unescaped `%` into a newline, `\%` into `%` (also inside quotes). */
export function crontabCommand(shLine: string): string {
  return shLine.replace(/%/g, '\\%');
}
