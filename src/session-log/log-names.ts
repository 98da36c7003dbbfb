import { readdirSync } from 'node:fs';
import { parseTarget } from '../plan/targets.js';

/** Pure: the targets with a log (or only its rotated copy) among these file names, sorted. */
export function logTargetsOf(fileNames: readonly string[]): string[] {
  const names = new Set<string>();
  for (const f of fileNames) {
    const base = f.endsWith('.log.1') ? f.slice(0, -2) : f;
    if (!base.endsWith('.log')) continue;
    const target = base.slice(0, -'.log'.length);
    if (parseTarget(target)) names.add(target);
  }
  return [...names].sort();
}

/** The targets with a log in this folder of this machine, sorted; none when it cannot be read. */
export function logTargetsIn(logDir: string): string[] {
  try {
    return logTargetsOf(readdirSync(logDir));
  } catch {
    return [];
  }
}
