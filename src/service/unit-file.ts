import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UNIT_MARKER } from './unit.js';

/** What is at a unit's path: nothing, a unit tmuxctl wrote, or someone else's file (never touched). */
export type UnitFileState = { kind: 'absent' } | { kind: 'ours'; text: string } | { kind: 'foreign' };

export function readUnitFile(file: string): UnitFileState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw e;
  }
  return text.startsWith(UNIT_MARKER) ? { kind: 'ours', text } : { kind: 'foreign' };
}

/**
 * Writes the unit whole or not at all (a temp file renamed over it): systemd never reads half a
 * unit, and a full disk leaves the old one in place. 0644, as systemd expects of unit files.
 */
export function writeUnitFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmuxctl-${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    chmodSync(tmp, 0o644); // the umask may have taken bits away
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function removeUnitFile(file: string): void {
  rmSync(file, { force: true });
}

/** The first unit file of this name in these folders that tmuxctl did not write (one it wrote there is its own, an earlier install). */
export function shadowedUnit(dirs: readonly string[], unit: string): string | undefined {
  for (const dir of dirs) {
    const file = join(dir, unit);
    let state: UnitFileState;
    try {
      state = readUnitFile(file);
    } catch {
      continue; // unreadable (a folder not ours, EACCES): systemd may not load it either; not a reason to refuse
    }
    if (state.kind === 'foreign') return file;
  }
  return undefined;
}
