import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DraftSession } from '../draft.js';
import { renderValue } from '../render-value.js';
import { addPane, addWindow, newSession } from '../session-draft.js';
import { folderName, type SourceFile } from '../source.js';

/** foreman's own rule for a process line. */
const LINE = /^([A-Za-z0-9_-]+):\s*(.+)$/;
/** foreman gives each process type a port: 5000, 5100, 5200... in file order. */
const BASE_PORT = 5000;

/**
 * A Procfile (foreman, honcho, overmind): one window per `name: command` line, the command run as
 * is (`sh -c`). foreman and honcho read `.env` beside the Procfile and set `PORT`: both are kept
 * (`envFile: .env` when that file exists, `PORT` where a command uses it). The folder is the
 * session's name.
 */
export function fromProcfile(text: string, file: SourceFile): DraftSession {
  const session = newSession(file, 'procfile', folderName(file), 'procfile');
  if (existsSync(path.join(path.dirname(file.path), '.env'))) session.fields.envFile = '.env';
  const taken = new Set<string>();
  let index = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match) {
      session.notImported.push(`not imported: line ${i + 1}: ${renderValue(line)} (not a NAME: command line)`);
      return;
    }
    const [, name, command] = match as unknown as [string, string, string];
    const window = addWindow(session, taken, name, `process-${index + 1}`);
    const pane = addPane(window);
    pane.fields.command = command;
    if (/\$\{?PORT\b/.test(command)) pane.fields.env = { PORT: BASE_PORT + 100 * index };
    index++;
  });
  return session;
}
