import type { PaneProcess } from './pane-process.js';
import { shellJoin } from './shell-join.js';

/**
 * What a frozen pane runs, in spec terms: `command` (argv, or a string for `sh -c`) or `keys`
 * typed into an interactive shell (`shell` when it is not the user's login shell).
 */
export type PaneRun = { kind: 'command'; command: string | string[] } | { kind: 'keys'; keys: string; shell?: string };

export interface FrozenRun {
  run: PaneRun;
  /** Why the pane was read the way it was, when that is not obvious (kept as a comment). */
  note?: string;
}

/** Shells people run in panes, by program name (a login shell's `-` removed). */
const SHELLS = new Set([
  'sh',
  'bash',
  'zsh',
  'fish',
  'dash',
  'ash',
  'ksh',
  'ksh93',
  'mksh',
  'oksh',
  'pdksh',
  'yash',
  'posh',
  'csh',
  'tcsh',
  'rc',
  'es',
  'elvish',
  'nu',
  'xonsh',
  'pwsh',
]);

export function programName(arg0: string): string {
  return arg0.replace(/^-/, '').split('/').pop() ?? '';
}

/**
 * A shell reading its terminal: only options after its name. Anything else is a command it runs:
 * a script (`bash deploy.sh`), the operand of `-c` (`sh -c '...'`), fish's `--command=...`.
 * `-bash` and `zsh -l` wait for a person.
 */
function isInteractiveShell(argv: readonly string[]): boolean {
  if (!SHELLS.has(programName(argv[0] ?? ''))) return false;
  return argv.slice(1).every((a) => /^[-+]/.test(a) && !a.startsWith('--command='));
}

/**
 * A process that rewrote its own title (`npm run dev`, `nginx: master process`) shows one argument
 * holding spaces: exec'd as argv it would name a program that does not exist, so it is kept as
 * shell text, which is what was most likely typed.
 */
function isRewrittenTitle(argv: readonly string[]): boolean {
  return argv.length === 1 && /\s/.test(argv[0]!);
}

/**
 * Maps a pane's process to what the spec says it runs. `loginShell`: the shell a `keys` pane gets
 * by default, so `shell:` is written only when the pane runs another one.
 */
export function paneRun(proc: PaneProcess | undefined, pane: { dead: boolean; startCommand: string }, loginShell: string): FrozenRun {
  if (pane.dead || !proc || proc.argv.length === 0) {
    const how = pane.startCommand === '' ? 'its shell' : `tmux shows its start command as ${JSON.stringify(pane.startCommand)}`;
    return {
      run: { kind: 'keys', keys: '' },
      note: `${pane.dead ? 'this pane was dead' : 'the process of this pane was gone'} when frozen (${how}): written as a plain shell`,
    };
  }
  const { argv } = proc;
  if (isInteractiveShell(argv)) {
    const name = programName(argv[0]!);
    const shell = name === programName(loginShell) ? {} : { shell: name };
    const job = proc.foreground;
    if (!job) return { run: { kind: 'keys', keys: '', ...shell } };
    if (isRewrittenTitle(job))
      return { run: { kind: 'keys', keys: job[0]!, ...shell }, note: 'the job rewrote its process title: its title is typed as it reads' };
    return { run: { kind: 'keys', keys: shellJoin(job), ...shell } };
  }
  if (argv.length === 3 && argv[1] === '-c' && programName(argv[0]!) === 'sh') return { run: { kind: 'command', command: argv[2]! } };
  if (isRewrittenTitle(argv))
    return { run: { kind: 'command', command: argv[0]! }, note: 'the process rewrote its title: its title is run as an sh -c command' };
  return { run: { kind: 'command', command: [...argv] } };
}
