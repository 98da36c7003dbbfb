import type { DraftSession, DraftWindow } from '../draft.js';
import { ErbText } from '../erb.js';
import { Fields, isSourceMap } from '../fields.js';
import { renderValue } from '../render-value.js';
import { childDir, tidyDir } from '../paths.js';
import { addPane, addWindow, newSession } from '../session-draft.js';
import { baseName, type SourceFile } from '../source.js';
import { keysOf, typedLines } from '../typed-lines.js';

const ONE_OFF = 'runs once around start or stop; tmuxctl has no one-off hooks';
const SERVER = 'choose the tmux server with tmuxctl -L or -S';
const ATTACH = 'tmuxctl starts sessions detached; attach with tmux attach -t';
const TITLES = 'pane titles are not managed';

/**
 * tmuxinator types every command into a shell that stays: each pane becomes `keys:`, with
 * `pre_window` (and a window's `pre`) typed first, as tmuxinator does in every pane.
 */
export function fromTmuxinator(data: unknown, file: SourceFile): DraftSession {
  const reader = new Fields(isSourceMap(data) ? data : {}, []);
  // tmuxinator reads project_name and project_root first, name and root after.
  const original = reader.string('project_name') ?? reader.string('name');
  const session = newSession(file, 'tmuxinator', original ?? baseName(file), baseName(file), reader.notes);

  const root = reader.string('project_root') ?? reader.string('root');
  if (root !== undefined) session.fields.cwd = tidyDir(root);

  // tmuxinator types one of these before every pane's commands, the first present in this order.
  const pre: string[] = [];
  let preKey: string | undefined;
  for (const key of ['rbenv', 'rvm', 'pre_tab', 'pre_window'] as const) {
    if (!reader.has(key)) continue;
    if (preKey !== undefined) {
      reader.skip(key, `tmuxinator types only one of rbenv, rvm, pre_tab and pre_window: ${preKey} was taken`);
      continue;
    }
    preKey = key;
    const value = reader.take(key);
    if (key === 'rbenv' || key === 'rvm') {
      if (typeof value === 'string' || typeof value === 'number') pre.push(`${key === 'rvm' ? 'rvm use' : 'rbenv shell'} ${value}`);
      else if (value !== undefined) reader.note(key, value, 'expected a version');
    } else {
      pre.push(...typedLines(value, (why) => reader.note(key, value, why)));
    }
  }

  for (const key of ['pre', 'post', 'on_project_start', 'on_project_first_start', 'on_project_restart', 'on_project_exit', 'on_project_stop']) {
    reader.skip(key, ONE_OFF);
  }
  for (const key of ['tmux_options', 'tmux_command', 'socket_name', 'socket_path']) reader.skip(key, SERVER);
  for (const key of ['startup_window', 'startup_pane', 'attach']) reader.skip(key, ATTACH);
  for (const key of ['enable_pane_titles', 'pane_title_position', 'pane_title_format']) reader.skip(key, TITLES);

  const windowsKey = reader.has('windows') ? 'windows' : 'tabs';
  const windows = reader.take(windowsKey);
  reader.ignore('windows');
  reader.ignore('tabs');
  reader.rest();

  const taken = new Set<string>();
  const list = Array.isArray(windows) ? windows : [];
  if (windows !== undefined && !Array.isArray(windows)) reader.note(windowsKey, windows, 'expected a list of windows');
  list.forEach((item, i) => {
    // Each window is a map of one key, its name: `- editor: vim` or `- server: {layout: ..., panes: [...]}`.
    const entry = isSourceMap(item) ? Object.entries(item)[0] : undefined;
    const window = addWindow(session, taken, entry?.[0], `window-${i + 1}`);
    if (!entry) {
      window.notImported.push(`not imported: ${windowsKey}[${i}]: ${renderValue(item)} (expected a map of a window name to its commands)`);
      addPane(window).fields.keys = keysOf(pre);
      return;
    }
    fillWindow(window, entry[1], { pre, sessionRoot: root });
  });
  return session;
}

function fillWindow(window: DraftWindow, value: unknown, ctx: { pre: string[]; sessionRoot: string | undefined }): void {
  if (value instanceof ErbText) {
    window.notImported.push(`not imported: commands: ${renderValue(value)} (ERB not evaluated)`);
    addPane(window).fields.keys = keysOf(ctx.pre);
    return;
  }
  if (!isSourceMap(value)) {
    // `- server: rails s`, `- blank:`, `- logs: [cd log, tail -f x.log]`: one pane.
    const lines = typedLines(value, (why) => window.notImported.push(`not imported: commands: ${renderValue(value)} (${why})`));
    addPane(window).fields.keys = keysOf([...ctx.pre, ...lines]);
    return;
  }
  const w = new Fields(value, window.notImported);
  const root = w.string('root');
  if (root !== undefined) window.fields.cwd = tidyDir(childDir(ctx.sessionRoot, root));
  const layout = w.string('layout');
  if (layout !== undefined) window.layout = layout;
  // A window's `pre` list is one typed line, its commands joined with && (as tmuxinator does).
  const preValue = w.take('pre');
  const windowPre = typedLines(preValue, (why) => w.note('pre', preValue, why));
  const pre = windowPre.length === 0 ? ctx.pre : [...ctx.pre, windowPre.join(' && ')];
  w.skip('synchronize', 'panes are not synchronised; type into each pane');
  const panes = w.take('panes');
  w.rest();
  if (panes === undefined || panes === null) {
    addPane(window).fields.keys = keysOf(pre);
    return;
  }
  if (!Array.isArray(panes)) {
    w.note('panes', panes, 'expected a list of panes');
    addPane(window).fields.keys = keysOf(pre);
    return;
  }
  panes.forEach((item, i) => {
    const pane = addPane(window);
    let commands: unknown = item;
    if (isSourceMap(item)) {
      // A named pane: `- guard: [bundle exec guard]`; its name is only ever a pane title.
      const [title, value] = Object.entries(item)[0] ?? ['', null];
      pane.notImported.push(`not imported: pane title: ${renderValue(title)} (${TITLES})`);
      commands = value;
    }
    if (commands instanceof ErbText) {
      pane.notImported.push(`not imported: panes[${i}]: ${renderValue(commands)} (ERB not evaluated)`);
      commands = null;
    }
    const lines = typedLines(commands, (why) => pane.notImported.push(`not imported: panes[${i}]: ${renderValue(commands)} (${why})`));
    pane.fields.keys = keysOf([...pre, ...lines]);
  });
}
