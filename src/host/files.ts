import { appendMarker, markerLine, moveLog, rotateIfLarge, sessionLogFile } from '../session-log/files.js';
import { statSync } from 'node:fs';
import { errorText } from '../errors.js';
import { logLines, startSince } from '../session-log/log-lines.js';
import { logTargetsIn, logTargetsOf } from '../session-log/log-names.js';
import { eachLineFrom, type Followed, followLines } from '../session-log/read.js';
import { followScript, listLogsScript, sinceScript, TailSplitter, tailHeader, tailScript } from '../session-log/remote-scripts.js';
import { shQuote } from '../tmux/quote.js';
import { remotePath } from './ssh/remote-words.js';
import type { RemoteShell } from './remote-procs.js';

/** Where reading a log starts: its last `lines` lines, or (with `since`, epoch ms) the runs started since, at most `lines` of them. */
export interface LogStart {
  lines: number;
  since?: number;
}

/** What following logs hands over, by target. */
export interface LogEvents {
  /** A whole line (the last lines when following began, and every line from a host). */
  line(target: string, line: string): void;
  /** Output in the pieces it was written in (this machine's logs, after their first lines). */
  text(target: string, text: string): void;
  /** The host was lost: said once; its logs are followed no more. */
  lost(reason: string): void;
}

/** Logs being followed. */
export interface LogFollow {
  /** Follows these logs too, from their first byte (panes that started after following began). */
  add(targets: readonly string[]): void;
  /** Resolves once everything followed has ended (after the signal aborted, or the host was lost). */
  finished(): Promise<void>;
}

/** One line for a session's log, between its runs. */
export interface Marker {
  session: string;
  text: string;
}

/**
 * The files of the machine a server runs on: the declared working directories that are missing
 * there, and the session logs: where execute writes its markers between runs,
 * moves a renamed pane's history, and rotates a log that outgrew its cap. The pane output itself is
 * written by `pipe-pane` on that machine (tmux/log-writer.ts), so this is all that is left.
 * Nothing here throws: a log that cannot be written must not stop a start or a restart.
 */
export interface MachineFiles {
  /** Of these directories (as declared: `~` is that machine's home), those that do not exist there. */
  missingDirs(paths: readonly string[]): Promise<Set<string>>;
  /**
   * Resolves with the sessions whose marker could not be written, as far as is known here (a host's
   * writes are posted: remote-shell.ts's `post`, their failure is not seen).
   */
  appendMarkers(logDir: string, markers: readonly Marker[], at: number): Promise<string[]>;
  moveLogs(logDir: string, moves: readonly { from: string; to: string }[]): Promise<void>;
  rotateLarge(logDir: string, sessions: readonly string[]): Promise<void>;
  /** The targets with a log in the folder (or only its rotated copy), sorted. */
  listLogs(logDir: string): Promise<string[]>;
  /** Each target's lines from `from` (as tailLines and `--since` read them here), in one look. */
  readLogs(logDir: string, targets: readonly string[], from: LogStart): Promise<Map<string, string[]>>;
  /** Follows the logs like `tail -F` (by name: rotation and re-creation are followed), until the signal aborts. */
  followLogs(logDir: string, targets: readonly string[], from: LogStart, on: LogEvents, signal: AbortSignal): LogFollow;
  /**
   * Whether a restart reprints the screen it replaces (apply/carry-screen.ts): the screen waits in a
   * file this process writes, so only on this machine.
   */
  readonly carriesScreens: boolean;
  /**
   * Whether a start's or restart's marker is written by the pane's log writer as it starts
   * (tmux/log-writer.ts), not by appendMarkers before the batch. A host's: its batch may go on its
   * control client while appendMarkers writes through its kept shell, another channel, so only the
   * writer keeps the marker ahead of the pane's output whichever channel carries the batch; and it
   * costs no process there of its own. This machine writes it before the batch, done when apply returns.
   */
  readonly startMarkersByWriter: boolean;
}

export const localFiles: MachineFiles = {
  async missingDirs(paths) {
    return new Set(paths.filter((p) => !isDirectory(p)));
  },
  async appendMarkers(logDir, markers, at) {
    return markers.filter((m) => !appendMarker(logDir, m.session, m.text, at)).map((m) => m.session);
  },
  async moveLogs(logDir, moves) {
    for (const m of moves) moveLog(logDir, m.from, m.to);
  },
  async rotateLarge(logDir, sessions) {
    for (const s of sessions) rotateIfLarge(logDir, s);
  },
  async listLogs(logDir) {
    return logTargetsIn(logDir);
  },
  async readLogs(logDir, targets, from) {
    return new Map(targets.map((t) => [t, logLines(sessionLogFile(logDir, t), from.lines, from.since)]));
  },
  followLogs: followLocalLogs,
  carriesScreens: true,
  startMarkersByWriter: false,
};

/**
 * This machine's logs, each from one open descriptor (read.ts's followLines): the last lines first,
 * then every byte as written. With `since`, FILE.1's part is printed at once and FILE followed from
 * its first marker since.
 */
function followLocalLogs(logDir: string, targets: readonly string[], from: LogStart, on: LogEvents, signal: AbortSignal): LogFollow {
  const followed: Followed[] = [];
  const first: [string, Followed][] = [];
  for (const t of targets) {
    const file = sessionLogFile(logDir, t);
    const write = (text: string) => on.text(t, text);
    if (from.since === undefined) {
      const f = followLines(file, from.lines, write, signal);
      followed.push(f);
      first.push([t, f]);
      continue;
    }
    const start = startSince(file, from.since);
    if (start.older !== undefined) eachLineFrom(`${file}.1`, start.older, (l) => on.line(t, l));
    followed.push(followLines(file, start.current === undefined ? 0 : from.lines, write, signal, 200, start.current));
  }
  for (const [t, f] of first) for (const l of f.lines) on.line(t, l);
  return {
    add(more) {
      for (const t of more) followed.push(followLines(sessionLogFile(logDir, t), 0, (text) => on.text(t, text), signal, 200, 0));
    },
    finished: async () => {
      await Promise.all(followed.map((f) => f.done));
    },
  };
}

/**
 * The logs of a host reached over SSH: one shell script per call. Rotation is left to the writer,
 * which cuts at the cap as it writes (GNU split); a host without GNU split keeps every byte.
 */
/**
 * Runs a long-lived script on a host (ssh-stream.ts), handing over what it prints until the signal
 * aborts; resolves with why it ended by itself, undefined when aborted.
 */
export type RemoteStream = (script: string, onText: (text: string) => void, signal: AbortSignal) => Promise<string | undefined>;

/**
 * The shell lines that test these directories on a host (ssh-machine.ts also runs them inside its
 * connect script). Indexes, not paths, come back: a path is printed by no one and compared by no one.
 */
export function missingDirsTests(paths: readonly string[]): string {
  return paths.map((p, i) => `[ -d ${shellPath(p)} ] || echo ${i}\n`).join('');
}

/** The paths whose index missingDirsTests printed. */
export function missingFromOutput(out: string, paths: readonly string[]): Set<string> {
  return new Set(out.split('\n').flatMap((l) => (/^\d+$/.test(l) && paths[Number(l)] !== undefined ? [paths[Number(l)]!] : [])));
}

export function remoteFiles(shell: RemoteShell, stream: RemoteStream): MachineFiles {
  // Log writes never fail a start or a restart, and nothing waits on their answer: posted, they
  // reach the host with the batch after them, at no round trip of their own.
  const quiet = async (script: string) => {
    const text = `umask 077\n${script}\nexit 0\n`;
    await (shell.post ? shell.post(text) : shell.run(text)).catch(() => undefined);
  };
  return {
    async missingDirs(paths) {
      if (paths.length === 0) return new Set();
      return missingFromOutput(await shell.run(`${missingDirsTests(paths)}exit 0\n`), paths);
    },
    async appendMarkers(logDir, markers, at) {
      if (markers.length === 0) return [];
      const lines = markers.map((m) => `printf '%s\\n' ${shQuote(markerLine(m.text, at))} >> ${shQuote(sessionLogFile(logDir, m.session))}`);
      await quiet(`mkdir -p -- ${shQuote(logDir)} 2>/dev/null\n${lines.join(' 2>/dev/null\n')} 2>/dev/null`);
      return [];
    },
    async moveLogs(logDir, moves) {
      if (moves.length === 0) return;
      const lines = moves.flatMap((m) =>
        ['', '.1'].map((suffix) => {
          const [from, to] = [sessionLogFile(logDir, m.from) + suffix, sessionLogFile(logDir, m.to) + suffix].map(shQuote);
          return `[ -e ${from} ] && mv -f -- ${from} ${to} 2>/dev/null`;
        }),
      );
      await quiet(lines.join('\n'));
    },
    async rotateLarge() {},
    async listLogs(logDir) {
      return logTargetsOf((await shell.run(listLogsScript(logDir))).split('\n'));
    },
    async readLogs(logDir, targets, from) {
      const out = new Map(targets.map((t) => [t, [] as string[]]));
      if (targets.length === 0 || from.lines <= 0) return out;
      // One round trip for every log: each under the header tail would print, split apart here.
      const files = new Map(targets.map((t) => [sessionLogFile(logDir, t), t]));
      const script = [...files.keys()]
        .map(
          (f) =>
            `printf '\\n%s\\n' ${shQuote(tailHeader(f))}\n${from.since === undefined ? tailScript(f, from.lines) : sinceScript(f, from.since, from.lines)}`,
        )
        .map((s) => s.replace(/\nexit 0\n$/, ''))
        .join('\n');
      const splitter = new TailSplitter(files, (t, l) => out.get(t)!.push(l));
      splitter.push((await shell.run(`${script}\nexit 0\n`)).replace(/\r\n/g, '\n'));
      splitter.flush();
      return out;
    },
    followLogs(logDir, targets, from, on, signal) {
      const runs: Promise<void>[] = [];
      let lost = false;
      const follow = (ts: readonly string[], start: LogStart) => {
        if (ts.length === 0 || lost || signal.aborted) return;
        const files = new Map(ts.map((t) => [sessionLogFile(logDir, t), t]));
        const splitter = new TailSplitter(files, on.line);
        const ended = (why: string | undefined) => {
          splitter.flush();
          if (why === undefined || lost) return;
          lost = true;
          on.lost(why);
        };
        runs.push(stream(followScript([...files.keys()], start), (text) => splitter.push(text), signal).then(ended, (e) => ended(errorText(e))));
      };
      follow(targets, from);
      return {
        add: (more) => follow(more, { lines: Number.POSITIVE_INFINITY }),
        finished: async () => {
          await Promise.all(runs);
        },
      };
    },
    carriesScreens: false,
    startMarkersByWriter: true,
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A declared path as one word of a remote shell script: `~/x` is that host's home. */
function shellPath(path: string): string {
  const w = remotePath(path);
  return typeof w === 'string' ? shQuote(w) : w.shellText;
}
