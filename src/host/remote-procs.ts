import { parseStat, type ProcStat } from '../process/table.js';
import type { RemoteStream } from './files.js';
import type { ProcessAccess, ProcessIdentity } from './machine.js';
import { keepNudgingOver } from './remote-nudge.js';
import { parseProcView, VIEW_SCRIPT } from './remote-proc-view.js';

/**
 * Runs a POSIX shell script on a host and resolves with what it printed. The script travels on
 * stdin (`sh -s`), never in an argv; it fails (rejects) only when the host cannot be reached or
 * does not answer in time.
 */
export interface RemoteShell {
  run(script: string): Promise<string>;
  /**
   * Runs a script whose output and outcome nobody reads (a log write), in order with the calls
   * around it, without a round trip of its own (remote-shell.ts's `post`). Unset: `run` serves.
   */
  post?(script: string): Promise<void>;
}

/** Every /proc/PID/stat of the host, one per line (a process that ends meanwhile is skipped). */
export const LIST_SCRIPT = 'cat /proc/[0-9]*/stat 2>/dev/null; exit 0\n';

/** The stat lines of these pids (integers only: nothing else reaches the script). */
export function readScript(pids: readonly number[]): string {
  const list = pids.filter(isPid).join(' ');
  return list === '' ? 'exit 0\n' : `for p in ${list}; do cat /proc/$p/stat 2>/dev/null; done; exit 0\n`;
}

/**
 * Signals each process only while it is still the one observed: its start time (field 22 of its
 * stat) is compared right before the signal, on the host, so a pid recycled since the look is never
 * hit. `set -f`: the fields are split by the shell and must not be globbed.
 */
export function signalScript(procs: readonly ProcessIdentity[], signal: NodeJS.Signals): string {
  const name = signal.replace(/^SIG/, '');
  if (!/^[A-Z0-9]+$/.test(name)) throw new Error(`not a signal name: ${signal}`);
  const pairs = procs.filter((p) => isPid(p.pid) && Number.isInteger(p.startTime)).map((p) => `${p.pid}:${p.startTime}`);
  if (pairs.length === 0) return 'exit 0\n';
  return [
    'set -f',
    `for ps in ${pairs.join(' ')}; do`,
    '  p=${ps%%:*}; want=${ps#*:}',
    '  s=$(cat /proc/$p/stat 2>/dev/null) || continue',
    '  s=${s##*) }; set -- $s',
    `  [ "\${20}" = "$want" ] && kill -${name} $p 2>/dev/null`,
    'done',
    'exit 0',
    '',
  ].join('\n');
}

/**
 * Prints each of these process groups that still has a member, as local-procs.ts asks with
 * `process.kill(-pgid, 0)`: `kill -0` to the group, a shell builtin, where reading the host's whole
 * /proc cost a crash repair ~10 ms. Only "No such process" counts as empty: a group of someone
 * else's processes answers "not permitted", and it has members. The C locale keeps those words
 * (bash translates them); `--` is left out because dash's kill does not take it.
 */
export function groupsScript(pgids: readonly number[]): string {
  const list = pgids.filter((g) => isPid(g) && g > 1).join(' ');
  if (list === '') return 'exit 0\n';
  return [
    `for g in ${list}; do`,
    '  r=$(LC_ALL=C; export LC_ALL; kill -0 -$g 2>&1) || case $r in *"No such process"*) continue ;; esac',
    '  echo $g',
    'done',
    'exit 0',
    '',
  ].join('\n');
}

/** Parses stat lines as `cat` printed them; pure. A line that is not one (a comm with a newline) is dropped. */
export function parseStatLines(out: string): ProcStat[] {
  const procs: ProcStat[] = [];
  for (const line of out.split('\n')) {
    const pid = Number(line.slice(0, line.indexOf(' ')));
    if (!isPid(pid)) continue;
    const p = parseStat(pid, line);
    if (p && Number.isInteger(p.startTime)) procs.push(p);
  }
  return procs;
}

function isPid(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0;
}

/**
 * The process table of a host, one shell script per call; with `stream` (long-lived scripts), the
 * SIGCHLD nudge of its tmux server runs there too.
 */
export function remoteProcs(shell: RemoteShell, stream?: RemoteStream): ProcessAccess {
  const read = async (pids: readonly number[]) => new Map(parseStatLines(await shell.run(readScript(pids))).map((p) => [p.pid, p]));
  return {
    async list() {
      return parseStatLines(await shell.run(LIST_SCRIPT));
    },
    read,
    async alive(procs) {
      if (procs.length === 0) return [];
      const now = await read(procs.map((p) => p.pid));
      return procs.filter((p) => {
        const q = now.get(p.pid);
        return q !== undefined && q.startTime === p.startTime && q.state !== 'Z' && q.state !== 'X';
      });
    },
    async signal(procs, signal) {
      if (procs.length > 0) await shell.run(signalScript(procs, signal));
    },
    async groupsWithMembers(pgids) {
      if (pgids.length === 0) return new Set();
      const wanted = new Set(pgids);
      const said = (await shell.run(groupsScript(pgids))).split('\n').map(Number);
      return new Set(said.filter((g) => wanted.has(g)));
    },
    async nudgeReap(serverPid) {
      if (!isPid(serverPid) || serverPid <= 1) return false;
      await shell.run(`kill -CHLD ${serverPid} 2>/dev/null; exit 0\n`);
      return true;
    },
    ...(stream && { keepNudging: keepNudgingOver(stream) }),
    async view() {
      return parseProcView(await shell.run(VIEW_SCRIPT));
    },
  };
}
