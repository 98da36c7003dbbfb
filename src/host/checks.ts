/**
 * What supervision looks at on the machine a pane runs on: a health check's command, how long its
 * log has been silent, and how much memory its process tree holds. Local: this machine's processes
 * and files; a host: shell scripts over its SSH connection (host/remote-checks.ts), so a check
 * probes the host's ports and files, never this machine's.
 *
 * On a host that cannot be reached, every method rejects with HostUnreachableError: the caller
 * must not read that as a failed check (the host was not observed), only report it.
 */
export interface MachineChecks {
  /**
   * Runs a health-check command in `cwd` (as declared: `~` is that machine's home) with the pane's
   * own env on top of that machine's environment (`base` here; the host's own login environment
   * there), in a process group of its own that is killed on timeout and once the check ends.
   */
  command(run: CheckRun): Promise<CheckResult>;
  /** Milliseconds since the file was last written, by that machine's clock; undefined when it does not exist. */
  silentFor(file: string): Promise<number | undefined>;
  /** The resident memory (bytes) of each root's whole process tree, in one look (memoryLimitMB). */
  treeRss(roots: readonly number[]): Promise<Map<number, number>>;
}

export interface CheckRun {
  argv: readonly string[];
  cwd: string;
  /** The pane's own environment (its spec's env). */
  env: Readonly<Record<string, string>>;
  /** This machine's environment, under the pane's env; used only where the check runs here. */
  base: NodeJS.ProcessEnv;
  timeoutMs: number;
}

export interface CheckResult {
  ok: boolean;
  /** For people: `exit status 7`, `timed out after 5s`, `cannot run: ENOENT`. */
  detail: string;
}
