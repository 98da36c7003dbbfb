import { appendMarker, moveLog, rotateIfLarge, sessionLogFile } from '../session-log/files.js';
import { shQuote } from '../tmux/quote.js';
import type { RemoteShell } from './remote-procs.js';

/** One line for a session's log, between its runs. */
export interface Marker {
  session: string;
  text: string;
}

/**
 * The session logs of the machine a server runs on: where execute writes its markers between runs,
 * moves a renamed pane's history, and rotates a log that outgrew its cap. The pane output itself is
 * written by `pipe-pane` on that machine (tmux/log-writer.ts), so this is all that is left.
 * Nothing here throws: a log that cannot be written must not stop a start or a restart.
 */
export interface LogFiles {
  appendMarkers(logDir: string, markers: readonly Marker[], at: number): Promise<void>;
  moveLogs(logDir: string, moves: readonly { from: string; to: string }[]): Promise<void>;
  rotateLarge(logDir: string, sessions: readonly string[]): Promise<void>;
  /**
   * Whether a restart reprints the screen it replaces (apply/carry-screen.ts): the screen waits in a
   * file this process writes, so only on this machine.
   */
  readonly carriesScreens: boolean;
}

export const localLogFiles: LogFiles = {
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
export function remoteLogFiles(shell: RemoteShell): LogFiles {
  const quiet = async (script: string) => {
    await shell.run(`umask 077\n${script}\nexit 0\n`).catch(() => undefined);
  };
  return {
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
