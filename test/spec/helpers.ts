import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem } from '../../src/errors.js';
import { loadDesiredState, type LoadOptions, type LoadResult } from '../../src/spec/load.js';

export const fixtures = fileURLToPath(new URL('../fixtures/spec/', import.meta.url));

/** Loads `paths` as the CLI would from inside the fixture folder `name`. */
export function loadFixture(name: string, paths: string[] = ['specs'], opts: Partial<LoadOptions> = {}): Promise<LoadResult> {
  return loadDesiredState(paths, { cwd: path.join(fixtures, name), env: {}, home: '/nonexistent-home', ...opts });
}

/** The problems of a load that must fail, printed as the CLI prints them. */
export async function problemLines(name: string, paths?: string[], opts?: Partial<LoadOptions>): Promise<string[]> {
  const result = await loadFixture(name, paths, opts);
  if (result.ok) throw new Error(`expected ${name} to fail, but it loaded ${result.desired.sessions.length} sessions`);
  return result.problems.map(formatProblem);
}
