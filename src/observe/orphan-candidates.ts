import { basename } from 'node:path';
import { localProcView } from '../process/local-proc-view.js';
import type { ProcView } from '../process/proc-view.js';
import { processTrees, type ProcInfo } from '../process/table.js';
import { SESSION_ENV_MARKER } from '../tmux/options.js';
import type { ObservedProcess, ObservedState } from './types.js';

/**
 * The processes an `orphans.match` pattern may be tested against: the user's own processes whose
 * command line matches one of `patterns`, each tagged with the tmuxctl session it runs inside (if
 * any). Left out entirely, whatever their command line says:
 * - tmuxctl itself, its ancestors (the script that ran it may be named like the monitor), its
 *   children, its process group and the processes joined to it by a pipe on stdin/stdout/stderr
 *   (`tmuxctl watch | logger -t monitor`), and the same for every other running tmuxctl;
 * - every tmux client and server, and tmux's own jobs: `pipe-pane` log writers, `run-shell` and
 *   hook commands run in the server's process session, where no pane process ever is (tmux makes
 *   each pane's process a session leader);
 * - a process that looks at the monitor rather than runs it: a searcher, pager, editor or
 *   `watch` (its program, as the kernel knows it, is one of LOOKERS: `pgrep -f PATTERN`, `vim
 *   monitor.py`, `less monitor.log`), or a shell or `watch` whose command line invokes a searcher
 *   (`sh -c 'while sleep 1; do pgrep -f monitor; done'`, `watch pgrep -af monitor`).
 */
export function orphanCandidates(
  observed: ObservedState,
  patterns: readonly RegExp[],
  selfPid = process.pid,
  selfProgram = process.argv[1],
): ObservedProcess[] {
  return orphanCandidatesIn(localProcView(selfPid, selfProgram), observed, patterns);
}

/** orphanCandidates over any machine's processes: this one's, or a host's (host/remote-proc-view.ts). */
export function orphanCandidatesIn(view: ProcView, observed: ObservedState, patterns: readonly RegExp[]): ObservedProcess[] {
  const { procs } = view;
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  // Indexed once: one tree per session would otherwise cost a pass over the whole table each.
  const treeOf = processTrees(procs);
  const protectedPids = new Set<number>();
  const protectedGroups = new Set<number>();
  const protectedPipes = new Set<string>();
  const protect = (pid: number) => {
    protectedPids.add(pid);
    for (let p = byPid.get(pid), hops = 0; p && p.ppid > 0 && hops < 1000; p = byPid.get(p.ppid), hops++) protectedPids.add(p.ppid);
    for (const p of treeOf(pid)) protectedPids.add(p.pid);
    const me = byPid.get(pid);
    if (me && me.pgid > 1) protectedGroups.add(me.pgid);
    for (const pipe of view.stdioPipes(pid)) protectedPipes.add(pipe);
  };
  for (const pid of view.selfPids) protect(pid);
  const self = new Set(view.selfPids);
  for (const p of procs) if (!self.has(p.pid) && view.runsTmuxctl(p.pid)) protect(p.pid);
  if (observed.serverPid) protectedPids.add(observed.serverPid);

  const tmuxPids = new Set(procs.filter((p) => view.isTmux(p.pid)).map((p) => p.pid));
  const sessionOf = new Map<number, string>();
  for (const s of observed.sessions.values()) {
    if (!s.owned) continue;
    // Every pane of an owned session, hand-made ones too: what runs inside it is nobody's orphan.
    for (const w of s.windows) {
      for (const pane of w.panes) {
        const pid = pane.pid;
        const members = pane.dead ? treeOf(pid).filter((p) => p.sid === pid) : treeOf(pid);
        for (const p of members) sessionOf.set(p.pid, s.name);
      }
    }
  }

  const out: ObservedProcess[] = [];
  for (const p of procs) {
    if (protectedPids.has(p.pid) || protectedGroups.has(p.pgid) || p.state === 'Z' || tmuxPids.has(p.pid)) continue;
    // tmux's own jobs run in the server's process session; pane processes lead sessions of their own.
    if (tmuxPids.has(p.sid)) continue;
    // Only the user's own processes: run as root, a pattern must not reach other users' programs.
    if (!view.isOurs(p.pid)) continue;
    // The full command line, arguments joined by spaces, is what a pattern is tested against.
    const argv = view.argv(p.pid);
    const cmdline = argv.join(' ');
    if (cmdline === '' || !patterns.some((re) => re.test(cmdline))) continue; // '': kernel threads
    if (view.stdioPipes(p.pid).some((pipe) => protectedPipes.has(pipe)) || looksAt(view, p.pid, cmdline)) continue;
    const session = sessionOf.get(p.pid) ?? tmuxctlSessionElsewhere(view, p, byPid, tmuxPids);
    out.push({ pid: p.pid, startTime: p.startTime, cmdline, matchArgv: view.matchArgv(p.pid, argv), session });
  }
  return out;
}

/**
 * A process inside a tmuxctl session of another server (or one this snapshot does not list as
 * owned): it carries the marker tmuxctl sets in every session it makes, and it is still inside a
 * live pane, i.e. its process session's leader, or one of its ancestors, is a child of a tmux
 * server. One left behind by a dead session (its pane process gone, itself reparented away) keeps
 * the marker but is in no pane: an orphan.
 */
function tmuxctlSessionElsewhere(view: ProcView, p: ProcInfo, byPid: ReadonlyMap<number, ProcInfo>, tmuxPids: ReadonlySet<number>): string | undefined {
  const marker = view.envVar(p.pid, SESSION_ENV_MARKER);
  if (marker === undefined) return undefined;
  const leader = byPid.get(p.sid);
  if (leader && leader.state !== 'Z' && tmuxPids.has(leader.ppid)) return marker;
  for (let q: ProcInfo | undefined = p, hops = 0; q && q.ppid > 1 && hops < 1000; q = byPid.get(q.ppid), hops++) {
    if (tmuxPids.has(q.ppid)) return marker;
  }
  return undefined;
}

/** Programs that take a pattern as an argument to look for it. */
const SEARCHERS = new Set(['grep', 'egrep', 'fgrep', 'pgrep', 'pkill', 'pidwait', 'rg', 'ag', 'ack']);
/**
 * Programs that look at files or commands named like the monitor without being it: searchers,
 * pagers, editors, `watch`. Known by /proc/PID/exe, which argv cannot fake.
 */
const LOOKERS = new Set([
  ...SEARCHERS,
  ...['less', 'more', 'most', 'bat', 'batcat', 'cat', 'head', 'tail', 'watch'],
  ...['vi', 'vim', 'vim.basic', 'vim.tiny', 'nvim', 'view', 'emacs', 'nano', 'micro', 'hx', 'kak', 'code'],
]);

function looksAt(view: ProcView, pid: number, cmdline: string): boolean {
  const exe = view.exeName(pid);
  if (exe === undefined) return false; // gone: nothing to stop either way
  if (LOOKERS.has(exe)) return true;
  // A shell loop or a `watch` around a searcher: a word of its command line names one.
  return cmdline.split(/[\s;|&()'"`<>]+/).some((word) => SEARCHERS.has(basename(word)));
}

/**
 * Adds the process view to a snapshot when some spec has an orphans.match to test against it: the
 * processes of the machine the server runs on (`view`: this machine's when not given).
 */
export function withProcesses(observed: ObservedState, patterns: readonly string[], view?: ProcView): ObservedState {
  if (patterns.length === 0) return observed;
  const res = patterns.map((p) => new RegExp(p));
  return { ...observed, processes: view ? orphanCandidatesIn(view, observed, res) : orphanCandidates(observed, res) };
}
