import type { MachineFiles } from '../host/files.js';
import { type DesiredState, panesOf } from '../spec/types.js';
import type { ObservedState } from './types.js';

/**
 * The declared working directories that do not exist (looked at on every pass: `watch` loaded its
 * specs long ago, and a directory removed since must not be silently replaced by another one when
 * tmux starts the command). Looked at on the machine the session runs on (its `~`, its folders).
 * It needs nothing observed, so a pass runs it alongside the tmux observation: on a host over SSH
 * that is one round trip fewer per pass (the two calls share the master connection).
 */
export function missingCwds(files: Pick<MachineFiles, 'missingDirs'>, desired: DesiredState): Promise<Set<string>> {
  return files.missingDirs(declaredCwds(desired));
}

/** Every working directory the panes declare, once each, in order (what missingCwds tests). */
export function declaredCwds(desired: DesiredState): string[] {
  return [...new Set(desired.sessions.flatMap((s) => panesOf(s).map((p) => p.cwd)))];
}

/** Records what is missing in the snapshot; only what is missing is recorded, the planner decides. */
export function withMissingCwds(observed: ObservedState, missing: ReadonlySet<string>): ObservedState {
  return missing.size > 0 ? { ...observed, missingCwds: missing } : observed;
}
