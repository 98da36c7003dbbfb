import { appendMarker, moveLog, rotateIfLarge, sessionLogFile } from '../session-log/files.js';
import { statSync } from 'node:fs';
import { shQuote } from '../tmux/quote.js';
import { remotePath } from './ssh/remote-words.js';
import type { RemoteShell } from './remote-procs.js';

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
  appendMarkers(logDir: string, markers: readonly Marker[], at: number): Promise<void>;
  moveLogs(logDir: string, moves: readonly { from: string; to: string }[]): Promise<void>;
  rotateLarge(logDir: string, sessions: readonly string[]): Promise<void>;
  /**
   * Whether a restart reprints the screen it replaces (apply/carry-screen.ts): the screen waits in a
   * file this process writes, so only on this machine.
   */
  readonly carriesScreens: boolean;
}

export const localFiles: MachineFiles = {
  async missingDirs(paths) {
    return new Set(paths.filter((p) => !isDirectory(p)));
  },
  async appendMarkers(logDir, markers, at) {
    for (const m of markers) appendMarker(logDir, m.session, m.text, at);
  },
  async moveLogs(logDir, moves) {
    for (const m of moves) moveLog(logDir, m.from, m.to);
  },
  async rotateLarge(logDir, sessions) {
    for (const s of sessions) rotateIfLarge(logDir, s);
  },
  carriesScreens: true,
};

/**
 * The logs of a host reached over SSH: one shell script per call. Rotation is left to the writer,
 * which cuts at the cap as it writes (GNU split); a host without GNU split keeps every byte.
 */
export function remoteFiles(shell: RemoteShell): MachineFiles {
  const quiet = async (script: string) => {
    await shell.run(`umask 077\n${script}\nexit 0\n`).catch(() => undefined);
  };
  return {
    async missingDirs(paths) {
      if (paths.length === 0) return new Set();
      // Indexes, not paths, come back: a path is printed by no one and compared by no one.
      const tests = paths.map((p, i) => `[ -d ${shellPath(p)} ] || echo ${i}`);
      const out = await shell.run(`${tests.join('\n')}\nexit 0\n`);
      return new Set(out.split('\n').flatMap((l) => (/^\d+$/.test(l) && paths[Number(l)] !== undefined ? [paths[Number(l)]!] : [])));
    },
    async appendMarkers(logDir, markers, at) {
      if (markers.length === 0) return;
      const stamp = new Date(at).toISOString();
      const lines = markers.map((m) => `printf '%s\\n' ${shQuote(`[tmuxctl ${stamp}] ${m.text}`)} >> ${shQuote(sessionLogFile(logDir, m.session))}`);
      await quiet(`mkdir -p -- ${shQuote(logDir)} 2>/dev/null\n${lines.join(' 2>/dev/null\n')} 2>/dev/null`);
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
    carriesScreens: false,
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
