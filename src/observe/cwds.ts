import type { MachineFiles } from '../host/files.js';
import { type DesiredState, panesOf } from '../spec/types.js';
import type { ObservedState } from './types.js';

/**
 * Adds the declared working directories that no longer exist (looked at on every pass: `watch`
 * loaded its specs long ago, and a directory removed since must not be silently replaced by another
 * one when tmux starts the command). Looked at on the machine the session runs on (its `~`, its
 * folders). Only what is missing is recorded; the planner decides.
 */
export async function withMissingCwds(files: Pick<MachineFiles, 'missingDirs'>, observed: ObservedState, desired: DesiredState): Promise<ObservedState> {
  const missing = await files.missingDirs([...new Set(desired.sessions.flatMap((s) => panesOf(s).map((p) => p.cwd)))]);
  return missing.size > 0 ? { ...observed, missingCwds: missing } : observed;
}
