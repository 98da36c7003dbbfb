import { posix } from 'node:path';
import type { ProcView } from '../process/proc-view.js';
import type { ProcStat } from '../process/table.js';
import { SESSION_ENV_MARKER } from '../tmux/options.js';
import { parseStatLines } from './remote-procs.js';

/**
 * Everything orphan matching asks about a host's processes, in one script (one round trip): the
 * script's own pid, our uid, every stat line, every process's owner, the links of each process we
 * may read (exe, cwd, fds), the fds open on a regular file with no execute bit, the TMUXCTL_SESSION
 * marker of each environment, and every command line. A handful of processes (cat, find, grep)
 * however many processes the host runs. Needs GNU find and grep there (as the tmux calls need GNU
 * timeout). Command lines come last: their arguments may hold newlines, so they are NUL-separated
 * records to the end.
 */
export const VIEW_SCRIPT = [
  'echo "@self $$ $(id -u)"',
  'echo @stat; cat /proc/[0-9]*/stat 2>/dev/null',
  "echo @owner; find /proc -mindepth 1 -maxdepth 1 -name '[0-9]*' -printf '%f %U\\n' 2>/dev/null",
  "echo @links; find /proc/[0-9]*/exe /proc/[0-9]*/cwd /proc/[0-9]*/fd -maxdepth 1 -type l -printf '%p %l\\n' 2>/dev/null",
  "echo @plain; find -L /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 -type f ! -perm /111 -printf '%p\\n' 2>/dev/null",
  `echo @environ; grep -a -z -H '^${SESSION_ENV_MARKER}=' /proc/[0-9]*/environ 2>/dev/null`,
  "printf '\\n@cmdline\\n'; grep -a -z -H '' /proc/[0-9]*/cmdline 2>/dev/null",
  'exit 0',
  '',
].join('\n');

const SESSION_MARKER = SESSION_ENV_MARKER;

/** The lines between `@name` and the next `@` header (line sections only); pure. */
function section(text: string, name: string): string[] {
  const start = text.indexOf(`\n@${name}\n`);
  if (start < 0) return [];
  const body = text.slice(start + name.length + 3);
  const end = body.search(/\n@[a-z]+\n/);
  return (end < 0 ? body : body.slice(0, end)).split('\n');
}

/** A host's processes as VIEW_SCRIPT printed them; pure. */
export function parseProcView(out: string): ProcView {
  const text = `\n${out}`;
  const self = /\n@self (\d+) (\d+)\n/.exec(text);
  const selfPid = self ? Number(self[1]) : -1;
  const uid = self ? Number(self[2]) : -1;
  const statLines = section(text, 'stat');
  const procs: ProcStat[] = parseStatLines(statLines.join('\n'));
  const comm = new Map<number, string>();
  const tty = new Map<number, number>();
  for (const line of statLines) {
    const pid = Number(line.slice(0, line.indexOf(' ')));
    const open = line.indexOf('(');
    const close = line.lastIndexOf(')');
    if (!Number.isInteger(pid) || open < 0 || close < open) continue;
    comm.set(pid, line.slice(open + 1, close));
    tty.set(pid, Number(line.slice(close + 2).split(' ')[4]));
  }
  const owner = new Map<number, number>();
  for (const line of section(text, 'owner')) {
    const [pid, u] = line.split(' ').map(Number);
    if (Number.isInteger(pid) && Number.isInteger(u)) owner.set(pid!, u!);
  }
  const exe = new Map<number, string>();
  const cwd = new Map<number, string>();
  /** By pid: fd number -> target. */
  const fds = new Map<number, Map<string, string>>();
  for (const line of section(text, 'links')) {
    const m = /^\/proc\/(\d+)\/(exe|cwd|fd\/(\d+)) (.*)$/.exec(line);
    if (!m || m[4] === '') continue;
    const pid = Number(m[1]);
    if (m[2] === 'exe') exe.set(pid, m[4]!);
    else if (m[2] === 'cwd') cwd.set(pid, m[4]!);
    else {
      if (!fds.has(pid)) fds.set(pid, new Map());
      fds.get(pid)!.set(m[3]!, m[4]!);
    }
  }
  /** By pid: the targets of fds open on a regular file that is not executable. */
  const plain = new Map<number, Set<string>>();
  for (const line of section(text, 'plain')) {
    const m = /^\/proc\/(\d+)\/fd\/(\d+)$/.exec(line);
    const target = m && fds.get(Number(m[1]))?.get(m[2]!);
    if (!m || !target) continue;
    const pid = Number(m[1]);
    if (!plain.has(pid)) plain.set(pid, new Set());
    plain.get(pid)!.add(target);
  }
  const envStart = text.indexOf('\n@environ\n');
  const cmdStart = text.indexOf('\n@cmdline\n');
  const markers = new Map<number, string>();
  if (envStart >= 0 && cmdStart > envStart)
    for (const rec of text.slice(envStart + 10, cmdStart).split('\0')) {
      const m = new RegExp(`^/proc/(\\d+)/environ:${SESSION_MARKER}=([\\s\\S]*)$`).exec(rec);
      if (m) markers.set(Number(m[1]), m[2]!);
    }
  const argvs = new Map<number, string[]>();
  if (cmdStart >= 0)
    for (const rec of text.slice(cmdStart + 10).split('\0')) {
      const m = /^\/proc\/(\d+)\/cmdline:([\s\S]*)$/.exec(rec);
      if (!m) continue;
      const pid = Number(m[1]);
      if (!argvs.has(pid)) argvs.set(pid, []);
      argvs.get(pid)!.push(m[2]!);
    }
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  // What tmuxctl runs there: its own ssh commands (tmux clients under `timeout`, shell scripts,
  // followed logs) each lead a process session of their own, started by sshd with no terminal. A
  // person's interactive login has a terminal; what it left running after logging out has lost
  // its leader. Protected like tmuxctl itself is here.
  const sshCommands = procs.filter((p) => p.pid === p.sid && tty.get(p.pid) === 0 && (comm.get(p.ppid) ?? '').startsWith('sshd')).map((p) => p.pid);
  return {
    procs,
    selfPids: [...(byPid.has(selfPid) ? [selfPid] : []), ...sshCommands],
    isTmux: (pid) => (comm.get(pid) ?? '').startsWith('tmux'),
    isOurs: (pid) => owner.get(pid) === uid,
    runsTmuxctl: (pid) => {
      const argv = argvs.get(pid) ?? [];
      const script = argv[1];
      return script !== undefined && (posix.basename(script) === 'tmuxctl' || /(^|\/)tmuxctl\/dist\/cli\/main\.js$/.test(script));
    },
    argv: (pid) => {
      const argv = [...(argvs.get(pid) ?? [])];
      // As /proc gives it here (table.ts readArgv): trailing empty arguments are padding.
      while (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
      return argv;
    },
    exeName: (pid) => {
      const target = exe.get(pid);
      return target === undefined ? undefined : posix.basename(target);
    },
    stdioPipes: (pid) =>
      ['0', '1', '2'].flatMap((fd) => {
        const t = fds.get(pid)?.get(fd);
        return t?.startsWith('pipe:') ? [t] : [];
      }),
    envVar: (pid, name) => (name === SESSION_MARKER ? markers.get(pid) : undefined),
    matchArgv: (pid, argv) => {
      const dir = cwd.get(pid);
      const files = plain.get(pid);
      if (dir === undefined || !files || files.size === 0) return argv;
      return argv.filter((arg, i) => i === 0 || !files.has(posix.resolve(dir, arg)));
    },
  };
}
