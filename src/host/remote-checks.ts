import { constants } from 'node:os';
import { processTrees } from '../process/table.js';
import { shQuote } from '../tmux/quote.js';
import type { CheckResult, CheckRun, MachineChecks } from './checks.js';
import { parseStatLines } from './remote-procs.js';
import { remoteCommand, remotePath } from './ssh/remote-words.js';

/**
 * Runs a POSIX shell script on a host (on ssh's stdin) within `timeoutMs` and resolves with what it
 * printed; rejects with HostUnreachableError when the host cannot be reached or does not answer.
 */
export type TimedShell = (script: string, timeoutMs: number) => Promise<string>;

const RESULT = 'tmuxctl-check';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A health-check command as a script for the host's sh, sent on ssh's stdin: env values are in the
 * script text, never in an argv there or here (`export` is a builtin). GNU `timeout` makes the check
 * a process group of its own and, on timeout, SIGKILLs that whole group (itself included: the
 * status is then 137); once the check ends the group is killed again, so what it left behind
 * (`sleep 60 & exit 0`) goes with it. The group id is still ours: the kernel hands out no pid
 * while a group of that id has members. The status comes back on the last line; the script itself
 * always exits 0, so a failure of the call is the transport's.
 */
export function commandScript(run: Pick<CheckRun, 'argv' | 'cwd' | 'env' | 'timeoutMs'>): string {
  const dir = remotePath(run.cwd);
  const exports = Object.entries(run.env).map(([k, v]) => {
    if (!ENV_NAME.test(k)) throw new Error(`not an environment variable name: ${JSON.stringify(k)}`);
    return `export ${k}=${shQuote(v)}`;
  });
  const seconds = Math.max(0.1, run.timeoutMs / 1000);
  return [
    // Nothing reads the script's own stderr (sh's note that a timed-out check was `Killed`).
    'exec 2>/dev/null',
    `cd -- ${typeof dir === 'string' ? shQuote(dir) : dir.shellText} 2>/dev/null || { echo '${RESULT} nocwd'; exit 0; }`,
    ...exports,
    `timeout -s KILL ${seconds} ${remoteCommand(run.argv)} </dev/null >/dev/null 2>&1 &`,
    'p=$!',
    'wait "$p"; s=$?',
    'kill -KILL -"$p" 2>/dev/null',
    `echo "${RESULT} $s"`,
    'exit 0',
    '',
  ].join('\n');
}

/** The check's verdict from what commandScript printed and how long it took; pure. */
export function commandResult(out: string, cwd: string, timeoutMs: number, elapsedMs: number): CheckResult {
  const m = new RegExp(`^${RESULT} (\\S+)$`, 'm').exec(out);
  if (!m) return { ok: false, detail: 'no result came back from the host' };
  if (m[1] === 'nocwd') return { ok: false, detail: `cannot run: cannot enter ${cwd}` };
  const status = Number(m[1]);
  if (status === 0) return { ok: true, detail: 'exit status 0' };
  // timeout's own SIGKILL of its group ends timeout too: 137, after the timeout.
  if (status === 137 && elapsedMs >= timeoutMs) return { ok: false, detail: `timed out after ${timeoutMs / 1000}s` };
  if (status > 128) {
    const name = Object.entries(constants.signals).find(([, n]) => n === status - 128)?.[0];
    if (name) return { ok: false, detail: `killed by ${name}` };
  }
  return { ok: false, detail: `exit status ${status}` };
}

/** Seconds since the file was last written, by the host's clock (ours may differ): `none` when it does not exist. */
export function silentScript(file: string): string {
  return `n=$(date +%s) && m=$(stat -c %Y -- ${shQuote(file)} 2>/dev/null) && echo $((n - m)) || echo none\nexit 0\n`;
}

/** The page size, then every /proc/PID/stat of the host: RSS (field 24, in pages) and the trees, in one look. */
export const RSS_SCRIPT = 'getconf PAGESIZE 2>/dev/null || echo 4096\ncat /proc/[0-9]*/stat 2>/dev/null; exit 0\n';

/** Each root's tree RSS in bytes from what RSS_SCRIPT printed; pure. */
export function parseTreeRss(out: string, roots: readonly number[]): Map<number, number> {
  const [first = '', ...lines] = out.split('\n');
  const page = Number(first) > 0 ? Number(first) : 4096;
  const rssPages = new Map<number, number>();
  for (const line of lines) {
    const pid = Number(line.slice(0, line.indexOf(' ')));
    const rss = Number(line.slice(line.lastIndexOf(')') + 2).split(' ')[21]);
    if (Number.isInteger(pid) && Number.isFinite(rss)) rssPages.set(pid, rss);
  }
  const trees = processTrees(parseStatLines(lines.join('\n')));
  return new Map(roots.map((root) => [root, trees(root).reduce((sum, p) => sum + (rssPages.get(p.pid) ?? 0) * page, 0)]));
}

/**
 * Checks on a host, one script per call over its connection. `lookMs` bounds a look (a stat, the
 * process table), as it bounds the host's other scripts; a command gets its own timeout plus that
 * much (the round trip, a slow connect) before the host counts as not answering.
 */
export function remoteChecks(shell: TimedShell, lookMs: number): MachineChecks {
  return {
    async command(run) {
      const start = Date.now();
      const out = await shell(commandScript(run), run.timeoutMs + lookMs);
      return commandResult(out, run.cwd, run.timeoutMs, Date.now() - start);
    },
    async silentFor(file) {
      const out = (await shell(silentScript(file), lookMs)).trim();
      return /^-?\d+$/.test(out) ? Math.max(0, Number(out)) * 1000 : undefined;
    },
    async treeRss(roots) {
      if (roots.length === 0) return new Map();
      return parseTreeRss(await shell(RSS_SCRIPT, lookMs), roots);
    },
  };
}
