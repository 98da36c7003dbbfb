import type { DraftNode, DraftSession } from '../draft.js';
import { Fields, isSourceMap } from '../fields.js';
import { childDir, tidyDir } from '../paths.js';
import { renderValue } from '../render-value.js';
import { addPane, newSession } from '../session-draft.js';
import { eachWindow, sessionRoot } from '../window-list.js';
import { baseName, type SourceFile } from '../source.js';
import { keysOf, typedLines } from '../typed-lines.js';
import { envFrom } from './env.js';

const OPTIONS = 'tmux options are not managed';
const FOCUS = 'tmuxctl starts sessions detached; attach with tmux attach -t';
const TIMING = 'keys are typed once the shell is ready, with no pauses';
/** An interactive shell, by path or name, with no arguments. */
const SHELLS = /^(\/[^\s]*\/)?(bash|zsh|fish|sh|dash|ksh|mksh|tcsh|csh|nu|elvish|xonsh)$/;

/**
 * tmuxp types `shell_command` into each pane's shell: panes become `keys:`, with every
 * `shell_command_before` (session, then window, then pane) typed first, as tmuxp does.
 */
export function fromTmuxp(data: unknown, file: SourceFile): DraftSession {
  const reader = new Fields(isSourceMap(data) ? data : {}, []);
  const original = reader.string('session_name');
  const session = newSession(file, 'tmuxp', original ?? baseName(file), baseName(file), reader.notes);

  const root = sessionRoot(session, reader, 'start_directory');
  const env = envFrom(reader, 'environment');
  if (env) session.fields.env = env;
  const before = beforeLines(reader);
  reader.skip('before_script', 'runs once before the windows are made; tmuxctl has no one-off hooks');
  for (const key of ['global_options', 'options', 'options_after']) reader.skip(key, OPTIONS);
  reader.skip('suppress_history', 'typed lines are not kept out of the history');
  reader.skip('plugins', 'tmuxp plugins do not run here');
  const windows = reader.take('windows');
  reader.rest();

  eachWindow(session, reader, windows, root, { name: 'window_name', dir: 'start_directory' }, ({ fields: wf, source, window, dir: windowDir }) => {
    const windowEnv = envFrom(wf, 'environment');
    if (windowEnv) window.fields.env = windowEnv;
    const windowBefore = [...before, ...beforeLines(wf)];
    // window_shell is what the window's first pane runs instead of the default shell; when it is a
    // shell, the keys are typed into it, which is exactly `shell:` on that pane.
    const windowShell = SHELLS.test(String(source.window_shell ?? '')) ? wf.string('window_shell') : undefined;
    if (windowShell === undefined) wf.skip('window_shell', "it runs a program, not a shell, in the window's first pane: write it as that pane's command");
    for (const key of ['options', 'options_after']) wf.skip(key, OPTIONS);
    for (const key of ['focus', 'window_index']) wf.skip(key, FOCUS);
    wf.skip('suppress_history', 'typed lines are not kept out of the history');
    const panes = wf.take('panes');
    wf.rest();

    const list = Array.isArray(panes) ? panes : [null];
    if (panes !== undefined && panes !== null && !Array.isArray(panes)) wf.note('panes', panes, 'expected a list of panes');
    list.forEach((p, j) => {
      const pane = addPane(window);
      if (j === 0 && windowShell !== undefined) pane.fields.shell = windowShell;
      fillPane(pane, p, windowBefore, windowDir);
    });
  });
  return session;
}

/** `shell_command_before`: a string or a list, typed before each pane's own commands. */
function beforeLines(fields: Fields): string[] {
  const value = fields.take('shell_command_before');
  return commandLines(value, (key, v, why) => fields.note(key === '' ? 'shell_command_before' : `shell_command_before${key}`, v, why));
}

function fillPane(pane: DraftNode, item: unknown, before: string[], windowDir: string | undefined): void {
  // A pane is a command string, `null`/`blank`/`pane` (an empty shell), or a map.
  if (item === null || item === undefined || item === 'blank' || item === 'pane' || item === '') {
    pane.fields.keys = keysOf(before);
    return;
  }
  if (!isSourceMap(item)) {
    const lines = commandLines(item, (key, v, why) => pane.notImported.push(`not imported: shell_command${key}: ${renderValue(v)} (${why})`));
    pane.fields.keys = keysOf([...before, ...lines]);
    return;
  }
  const p = new Fields(item, pane.notImported);
  const dir = p.string('start_directory');
  const resolved = dir === undefined ? undefined : tidyDir(childDir(windowDir, dir));
  if (resolved !== undefined && resolved !== windowDir) pane.fields.cwd = resolved;
  const env = envFrom(p, 'environment');
  if (env) pane.fields.env = env;
  const paneBefore = [...before, ...beforeLines(p)];
  const value = p.take('shell_command') ?? p.take('cmd');
  const lines = commandLines(value, (key, v, why) => p.note(`shell_command${key}`, v, why));
  p.skip('focus', FOCUS);
  for (const key of ['sleep_before', 'sleep_after']) p.skip(key, TIMING);
  p.skip('enter', 'every typed line is followed by Enter');
  p.skip('suppress_history', 'typed lines are not kept out of the history');
  p.rest();
  pane.fields.keys = keysOf([...paneBefore, ...lines]);
}

/**
 * tmuxp commands: a string, or a list of strings and `{cmd, enter, sleep_before, sleep_after}`
 * maps. A command typed without Enter (`enter: false`) cannot be expressed: it is noted, not typed.
 */
function commandLines(value: unknown, note: (key: string, value: unknown, why: string) => void): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  const lines: string[] = [];
  items.forEach((item, i) => {
    const key = Array.isArray(value) ? `[${i}]` : '';
    if (!isSourceMap(item)) {
      lines.push(...typedLines(item, (why) => note(key, item, why)));
      return;
    }
    const cmd = item.cmd;
    if (typeof cmd !== 'string') {
      note(key, item, 'expected a map with cmd');
      return;
    }
    if (item.enter === false) {
      note(key, item, 'typed without Enter; tmuxctl follows every typed line with Enter');
      return;
    }
    for (const extra of Object.keys(item)) {
      if (extra === 'cmd' || extra === 'enter') continue;
      note(`${key}.${extra}`, item[extra], extra.startsWith('sleep') ? TIMING : 'tmuxctl has no such option');
    }
    lines.push(cmd);
  });
  return lines;
}
