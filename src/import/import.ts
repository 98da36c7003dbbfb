import path from 'node:path';
import { SpecError } from '../errors.js';
import { displayPath } from '../spec/display-path.js';
import { readRegularFile } from '../spec/read-regular-file.js';
import type { SpecProblem } from '../spec/types.js';
import { detectFormat } from './detect-format.js';
import { countNotImported, type DraftSession, type Format } from './draft.js';
import { emitSpec } from './emit.js';
import { hasErb } from './erb.js';
import { fromPm2 } from './formats/pm2.js';
import { loadEcosystemJs } from './formats/pm2-load.js';
import { fromProcessCompose } from './formats/process-compose.js';
import { fromProcfile } from './formats/procfile.js';
import { fromSmug } from './formats/smug.js';
import { fromTmuxinator } from './formats/tmuxinator.js';
import { fromTmuxp } from './formats/tmuxp.js';
import { parseSource } from './parse-source.js';
import type { SourceFile } from './source.js';
import { tidySession } from './tidy.js';

export interface ImportOptions {
  /** The format of every file; detected per file when absent. */
  from?: Format;
  /** What relative file names are relative to, and what messages show them relative to. */
  cwd: string;
  /** The caller's environment: pm2's ecosystem.config.js runs with it, as under pm2. */
  env: Record<string, string | undefined>;
  /** The node binary that loads an ecosystem.config.js. */
  nodePath: string;
  /** How long an ecosystem.config.js may take to load (default PM2_LOAD_TIMEOUT_MS). */
  pm2LoadTimeoutMs?: number;
}

export interface ImportResult {
  /** The spec: schema line, `version: 1`, every session. */
  text: string;
  sessions: DraftSession[];
  /** How many `not imported` comments the text holds. */
  notImported: number;
  /** The one line for stderr: counts and file names, never a value. */
  summary: string;
}

/**
 * Reads every file (all or nothing: any problem in any file is an error and nothing is printed),
 * maps each to one session, and writes one spec with all of them. Two files that give the same
 * session name are an error naming both.
 */
export async function importFiles(paths: string[], opts: ImportOptions): Promise<ImportResult> {
  const problems: SpecProblem[] = [];
  const sessions: DraftSession[] = [];
  const firstFrom = new Map<string, string>();
  for (const given of paths) {
    const absolute = path.resolve(opts.cwd, given);
    const file: SourceFile = { path: absolute, display: displayPath(absolute, opts.cwd) };
    try {
      const session = await importFile(file, opts);
      const first = firstFrom.get(session.name);
      if (first !== undefined) {
        problems.push({
          file: file.display,
          message: `session ${JSON.stringify(session.name)} is also imported from ${first}: import the two files separately, or rename one session in its file`,
        });
        continue;
      }
      firstFrom.set(session.name, file.display);
      sessions.push(session);
    } catch (error) {
      if (error instanceof SpecError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new SpecError(problems);
  for (const s of sessions) tidySession(s);
  const notImported = sessions.reduce((n, s) => n + countNotImported(s), 0);
  return { text: emitSpec(sessions), sessions, notImported, summary: summaryLine(sessions, notImported) };
}

async function importFile(file: SourceFile, opts: ImportOptions): Promise<DraftSession> {
  const read = await readRegularFile(file.path);
  if (!read.ok) {
    const reason = read.code === 'ENOENT' ? 'no such file' : read.code === 'EACCES' ? 'permission denied' : read.reason;
    throw new SpecError([{ file: file.display, message: `cannot read it: ${reason}` }]);
  }
  const detected = detectFormat(file, read.text, opts.from);
  const session = await mapFile(file, read.text, detected, opts);
  if (session.windows.length === 0) {
    throw new SpecError([{ file: file.display, message: `no window or process to import from this ${detected} file (a spec session needs at least one)` }]);
  }
  return session;
}

async function mapFile(file: SourceFile, text: string, format: Format, opts: ImportOptions): Promise<DraftSession> {
  switch (format) {
    case 'procfile':
      return fromProcfile(text, file);
    case 'pm2': {
      if (/\.(c|m)?js$/i.test(file.path))
        return fromPm2(await loadEcosystemJs(file, { nodePath: opts.nodePath, env: opts.env, timeoutMs: opts.pm2LoadTimeoutMs }), file);
      return fromPm2(parseSource(text, file, { erb: false }).data, file);
    }
    case 'tmuxinator': {
      const parsed = parseSource(text, file, { erb: hasErb(text) });
      const session = fromTmuxinator(parsed.data, file);
      if (parsed.erbCode) session.notImported.push('not imported: ERB code tags <% ... %> (ERB not evaluated: every branch was read as plain YAML)');
      return session;
    }
    case 'tmuxp':
      return fromTmuxp(parseSource(text, file, { erb: false }).data, file);
    case 'smug':
      return fromSmug(parseSource(text, file, { erb: false }).data, file);
    case 'process-compose':
      return fromProcessCompose(parseSource(text, file, { erb: false }).data, file);
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

function summaryLine(sessions: DraftSession[], notImported: number): string {
  const files = [...new Set(sessions.map((s) => s.file))].join(', ');
  const count = `${sessions.length} session${sessions.length === 1 ? '' : 's'}`;
  const rest = notImported === 0 ? 'every option imported' : `${notImported} option${notImported === 1 ? '' : 's'} not imported (see comments)`;
  return `imported ${count} from ${files}; ${rest}`;
}
