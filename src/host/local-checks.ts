import { statSync } from 'node:fs';
import { sampleProcs, treeRss } from '../process/usage.js';
import type { MachineChecks } from './checks.js';

/** Checks on this machine: the command through run-check.ts, the log's mtime, /proc for memory. */
export const localChecks: MachineChecks = {
  async command(run) {
    // Loaded only when a check runs: it brings execa, which every other command would pay to load (~100 ms).
    const { runCheck } = await import('../supervise/run-check.js');
    return runCheck(run.argv, run.cwd, { ...run.base, ...run.env }, run.timeoutMs);
  },
  async silentFor(file) {
    try {
      return Date.now() - statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
  },
  async treeRss(roots) {
    return treeRss(sampleProcs(), roots);
  },
};
