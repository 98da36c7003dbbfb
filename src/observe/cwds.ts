import { statSync } from 'node:fs';
import { type DesiredState, panesOf } from '../spec/types.js';
import type { ObservedState } from './types.js';

/**
 * Adds the declared working directories that no longer exist (looked at on every pass: `watch`
 * loaded its specs long ago, and a directory removed since must not be silently replaced by another
 * one when tmux starts the command). Only what is missing is recorded; the planner decides.
 */
export function withMissingCwds(observed: ObservedState, desired: DesiredState): ObservedState {
  const missing = new Set<string>();
  for (const cwd of new Set(desired.sessions.flatMap((s) => panesOf(s).map((p) => p.cwd)))) if (!isDirectory(cwd)) missing.add(cwd);
  return missing.size > 0 ? { ...observed, missingCwds: missing } : observed;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
