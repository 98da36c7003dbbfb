import { spawn } from 'node:child_process';
import { HostUnreachableError } from '../../errors.js';
import { KeptShell } from '../remote-shell.js';
import { sshCommand } from './ssh-args.js';
import type { SshConnection } from './ssh-connection.js';
import { lastLine, splitMuxNotice } from './ssh-run.js';

/**
 * The host's kept shell (remote-shell.ts): `ssh ... -- sh` over the host's master connection,
 * started at its first request and again after it ended. Its loss is the host's: HostUnreachableError
 * with ssh's own last words. A master found dead on the way (ssh went direct) is forgotten, so the
 * next connect starts one again, as for any call (ssh-connection.ts).
 */
export function keptShellOver(conn: SshConnection): KeptShell {
  return new KeptShell({
    async open(timeoutMs) {
      await conn.connect(timeoutMs);
      const cmd = sshCommand(conn.target, ['sh']);
      const child = spawn(cmd.file, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'] });
      // ssh went direct past a socket whose master was killed: it says so first, and the shell
      // works. Forget the socket now, so the next command starts a master again (a kept shell may
      // never end to tell).
      let head = '';
      const notice = (b: Buffer) => {
        head += b.toString();
        if (splitMuxNotice(head).masterLost) conn.lostMaster();
        if (head.length > 4096 || head.includes('\n')) child.stderr.off('data', notice);
      };
      child.stderr.on('data', notice);
      return child;
    },
    lost(why, stderr) {
      const { stderr: rest, masterLost } = splitMuxNotice(stderr.replace(/^\n+/, ''));
      if (masterLost) conn.lostMaster();
      return new HostUnreachableError(conn.target.name, lastLine(rest) ?? why);
    },
  });
}
