import { importFiles } from '../../import/import.js';
import type { Format } from '../../import/draft.js';
import type { Io } from '../io.js';

/**
 * `tmuxctl import FILE...`: the spec on stdout, one summary line on stderr. Needs no tmux server
 * and no state dir. Any problem in any file: exit 2 and nothing on stdout.
 */
export async function importCommand(io: Io, files: string[], opts: { from?: Format; nodePath: string }): Promise<number> {
  const result = await importFiles(files, { from: opts.from, cwd: io.cwd, env: io.env, nodePath: opts.nodePath });
  io.out(result.text);
  io.err(`${result.summary}\n`);
  return 0;
}
