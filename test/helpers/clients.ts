/** Real tmux clients attached through `script` (a pty), for tests of what tmuxctl does while a person looks. */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach } from 'vitest';
import { isProcessAlive, type TmuxServer, waitFor } from './tmux.js';

/** Returns `attachClient(session)`; every client it started is killed, by its pid, after each test. */
export function useAttachedClients(t: TmuxServer): (session: string) => Promise<void> {
  const clients: ChildProcess[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) if (c.exitCode === null && c.pid !== undefined && isProcessAlive(c.pid)) c.kill('SIGKILL');
  });
  return async (session) => {
    const child = spawn('script', ['-qc', `tmux -L ${t.socket} attach -t =${session}`, '/dev/null'], {
      env: { ...t.env, TERM: 'xterm-256color' },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    clients.push(child);
    // A person's client: a watch's control clients may be attached there too (tmux counts them in session_attached).
    await waitFor(
      async () => (await t.tmux('list-clients', '-t', `=${session}`, '-F', '#{client_control_mode}')).split('\n').filter((l) => l === '0').length === 1,
      5000,
      `a client attached to ${session}`,
    );
  };
}
