import type { DraftSession } from '../draft.js';
import { Fields, isSourceMap } from '../fields.js';
import { childDir, tidyDir } from '../paths.js';
import { renderValue } from '../render-value.js';
import { addPane, newSession } from '../session-draft.js';
import { eachWindow, sessionRoot } from '../window-list.js';
import { baseName, type SourceFile } from '../source.js';
import { keysOf, typedLines } from '../typed-lines.js';
import { envFrom } from './env.js';

const ONE_OFF = 'runs once around start or stop; tmuxctl has no one-off hooks';

/**
 * smug types a window's `commands` into its first pane and each of `panes` into a pane split off
 * it: all become `keys:` panes, in that order. Split directions give way to the window's layout.
 */
export function fromSmug(data: unknown, file: SourceFile): DraftSession {
  const reader = new Fields(isSourceMap(data) ? data : {}, []);
  const original = reader.string('session');
  const session = newSession(file, 'smug', original ?? baseName(file), baseName(file), reader.notes);

  const root = sessionRoot(session, reader, 'root');
  const env = envFrom(reader, 'env');
  if (env) session.fields.env = env;
  for (const key of ['before_start', 'stop']) reader.skip(key, ONE_OFF);
  reader.skip('attach', 'tmuxctl starts sessions detached; attach with tmux attach -t');
  reader.skip('sendkeys_timeout', 'keys are typed once the shell is ready');
  const windows = reader.take('windows');
  reader.rest();

  eachWindow(session, reader, windows, root, { name: 'name', dir: 'root' }, ({ fields: wf, window, dir: windowDir }) => {
    wf.skip('manual', 'smug starts this window only when asked (-w); tmuxctl always starts every window');
    wf.skip('selected', 'tmuxctl starts sessions detached; attach with tmux attach -t');
    const commands = wf.take('commands');
    const panes = wf.take('panes');
    wf.rest();

    addPane(window).fields.keys = keysOf(typedLines(commands, (why) => wf.note('commands', commands, why)));
    const list = Array.isArray(panes) ? panes : [];
    if (panes !== undefined && panes !== null && !Array.isArray(panes)) wf.note('panes', panes, 'expected a list of panes');
    list.forEach((p, j) => {
      const pane = addPane(window);
      const pf = new Fields(isSourceMap(p) ? p : {}, pane.notImported);
      if (!isSourceMap(p)) pane.notImported.push(`not imported: panes[${j}]: ${renderValue(p)} (expected a map)`);
      const paneDir = pf.string('root');
      const resolved = paneDir === undefined ? undefined : tidyDir(childDir(windowDir, paneDir));
      // `root: .` (as smug's own example writes it) is the window's folder again: nothing to say.
      if (resolved !== undefined && resolved !== windowDir) pane.fields.cwd = resolved;
      pf.skip('type', "the window's layout places the panes");
      const paneCommands = pf.take('commands');
      pf.rest();
      pane.fields.keys = keysOf(typedLines(paneCommands, (why) => pf.note('commands', paneCommands, why)));
    });
  });
  return session;
}
