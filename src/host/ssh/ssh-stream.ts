import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { signalChild } from '../../process/signal.js';
import type { RemoteWord } from './remote-words.js';
import { sshCommand } from './ssh-args.js';
import type { SshConnection } from './ssh-connection.js';
import { lastLine, SSH_FAILED } from './ssh-run.js';

/** After SIGTERM, how long the client has before SIGKILL. */
const KILL_AFTER_MS = 3000;

/**
 * Runs a long-lived command on the host (`tail -F`) and hands over what it prints, decoded, as it
 * comes. Ends when the signal aborts: ssh's stdin is closed (the remote side sees its input end)
 * and the client is sent SIGTERM, SIGKILL later, by its handle, never by name. Resolves with why it
 * ended by itself (ssh's last word, or the command's), or undefined when it was aborted; never rejects.
 */
export async function streamOverSsh(
  conn: SshConnection,
  argv: readonly RemoteWord[],
  onText: (text: string) => void,
  signal: AbortSignal,
  connectMs: number,
): Promise<string | undefined> {
  if (signal.aborted) return undefined;
  try {
    await conn.connect(connectMs);
  } catch (e) {
    return signal.aborted ? undefined : (e as Error).message.replace(`${conn.target.name}: `, '');
  }
  if (signal.aborted) return undefined;
  const cmd = sshCommand(conn.target, argv);
  const child = spawn(cmd.file, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {});
  const decoder = new StringDecoder('utf8');
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    const text = decoder.write(b);
    if (text !== '') onText(text);
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4096);
  });
  let killer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    child.stdin.end();
    signalChild(child, 'SIGTERM');
    killer = setTimeout(() => signalChild(child, 'SIGKILL'), KILL_AFTER_MS);
  };
  signal.addEventListener('abort', stop, { once: true });
  return new Promise((resolve) => {
    let settled = false;
    const end = (code: number | null, why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(killer);
      signal.removeEventListener('abort', stop);
      const rest = decoder.end();
      if (rest !== '') onText(rest);
      if (signal.aborted) resolve(undefined);
      else if (why !== undefined) resolve(why);
      else resolve(code === SSH_FAILED ? (lastLine(stderr) ?? 'ssh failed') : `following ended (${lastLine(stderr) ?? `exit status ${code}`})`);
    };
    child.on('error', (e) => end(null, `cannot run ssh: ${e.message}`));
    child.on('close', (code) => end(code));
  });
}
