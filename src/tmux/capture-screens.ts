import { randomBytes } from 'node:crypto';
import { TmuxNotRespondingError } from '../errors.js';
import type { Tmux } from './client.js';
import { commandLine } from './quote.js';

/**
 * The lines that capture the visible screens of several panes through one client: each pane's
 * `capture-pane -p -e -J` (no -S: the visible lines only; -e keeps colours; -J joins wrapped lines,
 * so the text re-wraps at the width it is printed at) followed by a separator line. Every command
 * is a line of its own, so a pane that is gone (tmux prints an error and skips only that line)
 * leaves an empty capture, and the separators still count the panes.
 */
export function captureScreenLines(paneIds: readonly string[], separator: string): string[] {
  return paneIds.flatMap((id) => [commandLine(['capture-pane', '-p', '-e', '-J', '-t', id]), commandLine(['display-message', '-p', separator])]);
}

/**
 * The visible screen of each pane, in one tmux call timed out like every other; a pane whose
 * capture failed is absent from the map. Never throws for a failed capture (a restart must not
 * fail because a screen could not be read), except when the server does not answer: the batch
 * that follows would wait just as long, so the pass fails here, once.
 */
export async function captureScreens(tmux: Tmux, paneIds: readonly string[]): Promise<Map<string, string>> {
  const screens = new Map<string, string>();
  if (paneIds.length === 0) return screens;
  // Random, so no pane's text can hold it.
  const separator = `tmuxctl-capture-${randomBytes(8).toString('hex')}`;
  let stdout: string;
  try {
    const r = await tmux.exec(['source-file', '-'], { input: `${captureScreenLines(paneIds, separator).join('\n')}\n` });
    stdout = r.stdout;
  } catch (e) {
    if (e instanceof TmuxNotRespondingError) throw e;
    return screens;
  }
  const parts = stdout.split(`${separator}\n`);
  paneIds.forEach((id, i) => {
    const text = parts[i];
    // The last separator ends the output: a part after it (or a missing one) means the output was cut.
    if (text !== undefined && i < parts.length - 1 && text !== '') screens.set(id, text);
  });
  return screens;
}
