import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOG_CAP_BYTES } from '../../src/session-log/files.js';
import { serverTag, sessionLogDir, socketPath } from '../../src/state/paths.js';
import { cliPath, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';

const t = useTmuxServer();

/** Where this file's server keeps session logs (what `logs` reads). */
const logDir = () => sessionLogDir(t.stateDir, serverTag(socketPath({ socketName: t.socket }, t.env)));
const logFile = (session: string) => path.join(logDir(), `${session}.log`);
const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

function lastBytes(file: string, n: number): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(n, size));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString();
  } finally {
    closeSync(fd);
  }
}

describe('session logs are capped while written, read in bounded memory, and only for managed names', () => {
  it('the pane writer rotates at the cap as output comes, with no pass in between', async () => {
    // 2.5 times the cap in one burst, then a last line: apply runs once, nothing else rotates.
    const bytes = Math.floor(LOG_CAP_BYTES * 2.5) + 50; // ends mid-line: the echo ends it
    const command = `yes ${'x'.repeat(99)} | head -c ${bytes}; echo; echo LAST-LINE; exec sleep 100000`;
    const file = t.writeSpec('cap/app.yaml', specDoc({ flood: quickSession(command) }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    const log = logFile('flood');
    await waitFor(() => lastBytes(log, 64).includes('LAST-LINE'), 60_000, 'the last line');
    expect(sizeOf(`${log}.1`)).toBe(LOG_CAP_BYTES);
    expect(sizeOf(log)).toBeLessThanOrEqual(LOG_CAP_BYTES);
    // Private: the folder 0700, the log and its rotated copy 0600 (the writer's own files included).
    expect(statSync(logDir()).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(t.stateDir, 'logs')).mode & 0o777).toBe(0o700);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(statSync(`${log}.1`).mode & 0o777).toBe(0o600);

    const tail = await t.tmuxctl(['logs', 'flood', '-n', '2']);
    expect(tail.stdout).toMatch(/^x+\nLAST-LINE\n$/);
  }, 90_000);

  it('logs -n 3 of a huge log reads from the end, in bounded memory', async () => {
    mkdirSync(logDir(), { recursive: true });
    // As an older tmuxctl left them: 48 MB in NAME.log.1, one line in NAME.log.
    const line = `${'y'.repeat(99)}\n`;
    writeFileSync(`${logFile('huge')}.1`, `${line.repeat(480_000)}second to last\n`);
    writeFileSync(logFile('huge'), 'the last line\n');
    // A heap far smaller than the file: reading it whole (or spreading its lines) cannot fit.
    const r = await t.tmuxctl(['logs', 'huge', '-n', '3'], { env: { NODE_OPTIONS: '--max-old-space-size=24' } });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${line}second to last\nthe last line\n`);
  });

  it('logs --follow loses no line while the writer rotates the log under it', async () => {
    const go = t.path('follow-go');
    const count = 2_000_000; // ~17 MB of numbered lines (19 MB with the terminal's \r): a rotation mid-stream
    const command = `while [ ! -e ${go} ]; do sleep 0.1; done; seq 1 ${count}; echo FOLLOW-DONE; exec sleep 100000`;
    const file = t.writeSpec('follow/app.yaml', specDoc({ counter: quickSession(command) }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await waitFor(() => existsSync(logFile('counter')), 5000, 'the log');

    const follower = spawn(process.execPath, [cliPath, '-L', t.socket, 'logs', 'counter', '--follow', '-n', '1'], {
      env: t.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    let seen = '';
    follower.stdout.on('data', (b: Buffer) => {
      chunks.push(b.toString());
      seen = (seen + b.toString()).slice(-64);
    });
    const exited = new Promise<number | null>((resolve) => follower.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => chunks.length > 0, 5000, 'the first line');
      writeFileSync(go, '');
      await waitFor(() => seen.includes('FOLLOW-DONE'), 60_000, 'the end of the output, followed');
    } finally {
      follower.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(`${logFile('counter')}.1`)).toBe(true);
    const numbers = chunks
      .join('')
      .replace(/\r/g, '')
      .split('\n')
      .filter((l) => /^\d+$/.test(l));
    expect(numbers.length).toBe(count);
    expect(numbers.every((n, i) => Number(n) === i + 1)).toBe(true);
  }, 90_000);

  it('logs --follow ends when its reader goes (`logs NAME --follow | grep -m1 ready` must not hang)', async () => {
    mkdirSync(logDir(), { recursive: true });
    const log = logFile('reader-gone');
    writeFileSync(log, 'first\n');
    const follower = spawn(process.execPath, [cliPath, '-L', t.socket, 'logs', 'reader-gone', '--follow', '-n', '1'], {
      env: t.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => follower.on('exit', (code) => resolve(code)));
    try {
      await new Promise((resolve) => follower.stdout.once('data', resolve));
      follower.stdout.destroy(); // the reader exits: the next write fails with EPIPE
      writeFileSync(log, 'second\n', { flag: 'a' });
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still following'), 5000))]);
      expect(code).toBe(0);
    } finally {
      follower.kill('SIGKILL');
    }
  });

  it('logs NAME accepts only a session name: no path reaches another file', async () => {
    writeFileSync(path.join(t.stateDir, 'events.log'), '{"event":"secret"}\n');
    for (const name of ['../../events', '../events', 'a/b', 'web.1']) {
      const r = await t.tmuxctl(['logs', name]);
      expect(r.exitCode, name).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`tmuxctl: invalid target ${JSON.stringify(name)}: write session, session:window or session:window.N\n`);
    }
  });
});
