import { unwrapPathSetter, unwrapPathSetterText } from '../tmux/declared-path.js';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../state/dirs.js';
import { captureScreens } from '../tmux/capture-screens.js';
import type { Tmux } from '../tmux/client.js';
import type { PaneArgs } from '../tmux/commands.js';

/**
 * A restart keeps the pane's history, but tmux's respawn-pane clears the visible screen (only what
 * had scrolled into history survives): the last lines of the run that ended, its crash message
 * among them, would be gone. Only the pane's process can write to its screen, so the restarted
 * process first reprints that screen, then a marker line, then execs the real command (same pid).
 *
 * The screen is passed in a private file (0600, in a 0700 folder of the state dir), never in argv,
 * which every user can read in /proc, and never in a tmux command line. The wrapper removes the
 * file once printed, before the exec: the real command never sees it.
 */

/** What every restart marker starts with; verify cuts a capture at the last one. */
export const RESTART_MARKER = '[tmuxctl] restarted:';

/** `[tmuxctl] restarted: killed by signal 9`: the reason as the plan gives it (and the log's marker says it). */
export function restartMarker(reason: string): string {
  return `${RESTART_MARKER} ${reason}`;
}

/** POSIX puts sh there; the pane's PATH may not lead to it. */
const SH = '/bin/sh';

/** $0 of the wrapper: how `freeze` recognises it. */
const WRAPPER_NAME = 'tmuxctl-restarted';

/**
 * $1 the file, $2 the token, then the real argv. Only sh builtins, and /bin/sh by its path: a pane's
 * PATH is whatever its environment says (it may name no `cat` or even no `sh`), and the restart must
 * not depend on it. The file's last line (the marker) has no newline: it is printed with the token
 * after it, inside an OSC sequence tmux does not show, then the line ends; the pane's log starts
 * after that line (tmux/commands.ts), so the reprinted screen is not logged a second time. A missing
 * file still gives the token's line. The file is emptied by a builtin (so nothing of the screen is
 * left even where no `rm` is found), then removed.
 */
const WRAPPER_SCRIPT = [
  `l=; while IFS= read -r l; do printf '%s\\n' "$l"; done 2>/dev/null <"$1";`,
  `printf '%s\\033]5379;%s\\007\\n' "$l" "$2";`,
  `: 2>/dev/null >"$1"; rm -f -- "$1" 2>/dev/null;`,
  'shift 2; exec "$@"',
].join(' ');

/** One restarted pane's reprint: where its text waits, and the token that ends it. */
export interface Carry {
  file: string;
  token: string;
}

export interface CarryRequest {
  paneId: string;
  /** `session:window.N`: names the file. */
  target: string;
  /** The restart's reason, as the plan gives it. */
  reason: string;
}

/**
 * Captures the visible screens of the panes about to be restarted (one tmux call for all) and
 * writes each one's reprint. A pane whose screen could not be read (or was empty) still gets the
 * marker; a pane whose file cannot be written is restarted as before, without reprint or marker.
 */
export async function carryScreens(tmux: Tmux, restarts: readonly CarryRequest[], dir: string): Promise<Map<string, Carry>> {
  const carried = new Map<string, Carry>();
  if (restarts.length === 0) return carried;
  const screens = await captureScreens(
    tmux,
    restarts.map((r) => r.paneId),
  );
  try {
    ensurePrivateDir(dir);
  } catch {
    return carried; // an unusable state dir must not stop a restart
  }
  for (const r of restarts) {
    const file = join(dir, `${r.target}.screen`);
    try {
      rmSync(file, { force: true }); // one left by a respawn that never ran; 'wx' below creates it afresh, 0600
      writeFileSync(file, reprint(screenLines(screens.get(r.paneId) ?? ''), r.reason), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
      carried.set(r.paneId, { file, token: randomBytes(8).toString('hex') });
    } catch {
      // No reprint for this pane; its restart goes ahead.
    }
  }
  return carried;
}

/** The pane's start wrapped so that it reprints its carried screen and the marker before the real command. */
export function carryInto(p: PaneArgs, carry: Carry | undefined): PaneArgs {
  if (!carry) return p;
  return { ...p, argv: [SH, '-c', WRAPPER_SCRIPT, WRAPPER_NAME, carry.file, carry.token, ...p.argv], logSkipsThrough: carry.token };
}

/** The real argv of a process that may still be the wrapper (between its start and its exec). */
export function unwrapArgv(outer: readonly string[]): string[] {
  // A declared PATH's setter stands outside the reprint wrapper (tmux/declared-path.ts).
  const argv = unwrapPathSetter(outer);
  return argv.length > 6 && argv[0] === SH && argv[1] === '-c' && argv[2] === WRAPPER_SCRIPT && argv[3] === WRAPPER_NAME ? argv.slice(6) : [...argv];
}

/**
 * tmux's rendering of a wrapped start command (`pane_start_command` of a dead pane) with the
 * wrapper taken off: what follows its name, the file and the token, each one word (the token is
 * hex; the file is quoted by tmux when it holds blanks).
 */
export function unwrapStartCommand(outer: string): string {
  const text = unwrapPathSetterText(outer);
  const at = text.indexOf(` ${WRAPPER_NAME} `);
  if (at < 0 || !text.startsWith(`${SH} -c `)) return text;
  let rest = text.slice(at + WRAPPER_NAME.length + 2);
  for (let i = 0; i < 2; i++) rest = rest.slice(wordLength(rest)).replace(/^ +/, '');
  return rest;
}

/** Length of the first word of tmux's rendering: a quoted one ends at its closing quote. */
function wordLength(text: string): number {
  const q = text[0];
  if (q === '"' || q === "'") {
    for (let i = 1; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === q) return i + 1;
    }
    return text.length;
  }
  const space = text.indexOf(' ');
  return space < 0 ? text.length : space;
}

/**
 * The captured screen as lines to reprint: tmux's own `Pane is dead (...)` banner (the last one;
 * tmux draws it, the process never printed it) and the blank lines at the bottom dropped.
 */
export function screenLines(captured: string): string[] {
  const lines = captured.split('\n').map((l) => l.replace(/\s+$/, ''));
  const plain = (l: string) => stripVTControlCharacters(l).trim();
  const banner = lines.findLastIndex((l) => plain(l).startsWith('Pane is dead ('));
  if (banner >= 0) lines.splice(banner, 1);
  while (lines.length > 0 && plain(lines.at(-1)!) === '') lines.pop();
  return lines;
}

/** The text the wrapper prints: the screen, colours reset, then the marker (its line is ended by the wrapper). */
export function reprint(lines: readonly string[], reason: string): string {
  return `${lines.map((l) => `${l}\n`).join('')}\x1b[0m${restartMarker(reason)}`;
}
