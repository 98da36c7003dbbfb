import type { ProcStat } from './table.js';

/**
 * What orphan matching (observe/orphan-candidates.ts) may learn about the processes of one machine:
 * the table, and for each process the few facts the rules need. This machine's is read from /proc
 * as asked (local-proc-view.ts); a host's is taken in one script and answered from memory
 * (host/remote-proc-view.ts), so the same rules judge both.
 */
export interface ProcView {
  /** Every process of the machine (one pass). */
  readonly procs: readonly ProcStat[];
  /** Processes that must never be candidates, with their ancestors, trees, groups and pipe partners: tmuxctl itself and whatever runs for it there. */
  readonly selfPids: readonly number[];
  /** A tmux client or server (its comm). */
  isTmux(pid: number): boolean;
  /** Owned by the user tmuxctl runs as there (a pattern must not reach other users' programs). */
  isOurs(pid: number): boolean;
  /** Another tmuxctl (its program), protected like tmuxctl itself. */
  runsTmuxctl(pid: number): boolean;
  /** Its arguments; [] for kernel threads and vanished processes. */
  argv(pid: number): string[];
  /** The basename of its executable, as the kernel knows it; undefined when gone (or not readable). */
  exeName(pid: number): string | undefined;
  /** The pipes on its stdin, stdout and stderr (`pipe:[inode]`). */
  stdioPipes(pid: number): string[];
  /** The value of an environment variable it carries. */
  envVar(pid: number, name: string): string | undefined;
  /** argv without the arguments that name a file it holds open and that is not executable (see orphan-candidates.ts). */
  matchArgv(pid: number, argv: string[]): string[];
}
