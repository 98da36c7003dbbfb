import { statSync } from 'node:fs';
import os from 'node:os';
import { freezeSessions } from '../../freeze/freeze.js';
import { listPanes } from '../../freeze/list-panes.js';
import { type PaneProcess, readPaneProcess } from '../../freeze/pane-process.js';
import { renderSpec } from '../../freeze/render.js';
import { selectPanes } from '../../freeze/select.js';
import { writeSpecFile } from '../../freeze/write-spec-file.js';
import { defaultLoginShell } from '../../spec/load.js';
import type { Context } from '../context.js';

/**
 * The schema's own `$id` (as `tmuxctl import` writes it): a frozen spec lands wherever the user
 * keeps it, where the relative path of the bundled examples would point nowhere, and an absolute
 * path would tie the file to this machine's install.
 */
const SCHEMA = 'https://tmuxctl.dev/schema/tmuxctl.schema.json';

/** `tmuxctl freeze [SESSION...] [-o FILE] [--force]`: a spec of live sessions, on stdout or in FILE. */
export async function freezeCommand(ctx: Context, names: string[], opts: { output?: string; force?: boolean }): Promise<number> {
  const rows = selectPanes(await listPanes(ctx.tmux), names);
  const processes = new Map<number, PaneProcess>();
  for (const r of rows) if (!r.dead) processes.set(r.pid, readPaneProcess(r.pid));
  const sessions = freezeSessions(rows, { processes, loginShell: defaultLoginShell(), home: os.homedir(), isFolder });
  const text = renderSpec(sessions, SCHEMA);
  if (opts.output === undefined) ctx.io.out(text);
  else writeSpecFile(opts.output, text, opts.force === true);

  const windows = sessions.reduce((n, s) => n + s.windows.length, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const renamed = sessions.filter((s) => s.note).length + sessions.reduce((n, s) => n + s.windows.filter((w) => w.note).length, 0);
  ctx.io.err(
    `froze ${plural(sessions.length, 'session')} (${plural(windows, 'window')}, ${plural(rows.length, 'pane')})` +
      (opts.output === undefined ? '' : ` to ${opts.output}`) +
      (renamed === 0 ? '' : `; ${plural(renamed, 'name')} changed (see the comments)`) +
      '\n',
  );
  return 0;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
