/**
 * The remote command line. ssh joins its command words with spaces and hands the result to the
 * remote user's login shell (`$SHELL -c STRING`), so the remote argv is quoted here into ONE string
 * for a POSIX shell (sh, dash, bash, zsh, ksh); a remote account whose login shell is csh or fish
 * is not supported. Every word comes out as exactly one word on the remote, whatever it holds.
 */

/** Shell text that is already safe and is pasted as is (made only by the functions below). */
export interface ShellText {
  readonly shellText: string;
}

/** A word of the remote argv: a string means exactly that string; ShellText is expanded by the remote shell. */
export type RemoteWord = string | ShellText;

/**
 * Left bare when nothing in it is special to sh. `=` is not in the set (a first word `A=1` would be
 * an assignment) nor `~` (tilde expansion); reserved words are quoted too (a first word `if` would
 * start a compound command).
 */
const PLAIN = /^[A-Za-z0-9_@%+:,./-]+$/;
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'case', 'esac', 'while', 'until', 'for', 'in', 'function', 'select', 'time']);

/** One word for sh: bare when plain, else single-quoted (inside, only `'` needs care: `'\''`). */
export function shWord(word: string): string {
  if (word.includes('\0')) throw new Error('a NUL byte cannot be passed in a command line');
  if (PLAIN.test(word) && !RESERVED.has(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The remote argv as the one string ssh sends. */
export function remoteCommand(argv: readonly RemoteWord[]): string {
  if (argv.length === 0) throw new Error('no remote command');
  return argv.map((w) => (typeof w === 'string' ? shWord(w) : w.shellText)).join(' ');
}

const USER_NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

/**
 * A path on the remote as one word. A leading `~` or `~/` means the remote user's home: it becomes
 * `"$HOME"` (set by sshd from the remote passwd entry), the rest single-quoted, so `~/my dir`
 * lands in `/home/kyuwon/my dir` there and never in this machine's home. `~user/rest` is left to
 * the remote shell's own tilde expansion (an unquoted prefix). Anything else is literal; a relative
 * path is relative to where ssh starts the command: the remote user's home.
 */
export function remotePath(path: string): RemoteWord {
  if (path === '~') return { shellText: '"$HOME"' };
  if (path.startsWith('~/')) {
    const rest = path.slice(2);
    return { shellText: rest === '' ? '"$HOME"/' : `"$HOME"/${shWord(rest)}` };
  }
  const m = /^~([^/]*)(\/.*)?$/.exec(path);
  if (m && USER_NAME.test(m[1]!)) {
    const rest = (m[2] ?? '').slice(1);
    return { shellText: `~${m[1]}${m[2] === undefined ? '' : '/'}${rest === '' ? '' : shWord(rest)}` };
  }
  return path;
}
