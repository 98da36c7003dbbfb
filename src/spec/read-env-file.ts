import { displayPath } from './display-path.js';
import { parseEnvFile } from './env-file.js';
import { readRegularFile } from './read-regular-file.js';
import type { SpecProblem } from './types.js';

export type EnvFileRead =
  | { ok: true; vars: Map<string, string> /** Some lines could not be read: the variables may be incomplete. */; malformed: boolean }
  | { ok: false /** Why it could not be read, e.g. `not found`. */; reason: string };

export interface EnvFileReader {
  read(absolutePath: string): Promise<EnvFileRead>;
  /** Problems inside env files found since the last call, each reported once however many sessions use the file. */
  takeProblems(): SpecProblem[];
}

/** Reads and parses env files, each once per load: several sessions often share one `.env`. */
export function createEnvFileReader(cwd: string): EnvFileReader {
  const cache = new Map<string, Promise<EnvFileRead>>();
  let problems: SpecProblem[] = [];

  const load = async (absolutePath: string): Promise<EnvFileRead> => {
    // A FIFO as an env file would block the load for ever: only regular files are read.
    const read = await readRegularFile(absolutePath);
    if (!read.ok) {
      if (read.code === 'ENOENT') return { ok: false, reason: 'not found' };
      if (read.code === 'EISDIR' || read.code === 'ENOTREG') return { ok: false, reason: read.reason };
      return { ok: false, reason: `cannot be read (${read.code})` };
    }
    const parsed = parseEnvFile(read.text);
    const file = displayPath(absolutePath, cwd);
    problems.push(...parsed.problems.map((p) => ({ file, ...p })));
    return { ok: true, vars: parsed.vars, malformed: parsed.problems.length > 0 };
  };

  return {
    read(absolutePath) {
      let result = cache.get(absolutePath);
      if (!result) {
        result = load(absolutePath);
        cache.set(absolutePath, result);
      }
      return result;
    },
    takeProblems() {
      const taken = problems;
      problems = [];
      return taken;
    },
  };
}
