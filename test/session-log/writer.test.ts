import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logWriterScript } from '../../src/tmux/log-writer.js';
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js';
import { waitFor } from '../helpers/tmux.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-writer-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The writer as pipe-pane runs it (`sh -c SCRIPT`, output on stdin); resolves its exit code. */
function startWriter(file: string, capBytes: number, env?: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn('sh', ['-c', logWriterScript(file, capBytes)], { stdio: ['pipe', 'ignore', 'ignore'], ...(env && { env }) });
  cleanups.push(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

function numbered(from: number, to: number): string {
  let out = '';
  for (let i = from; i <= to; i++) out += `line ${String(i).padStart(6, '0')}\n`;
  return out;
}

describe('the session-log writer (what pipe-pane runs)', () => {
  it('enforces the cap while writing: NAME.log is renamed to NAME.log.1 at the cap, nothing is lost at the cut', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'logs', 'app.log');
    const cap = 10_000;
    const { child, exited } = startWriter(file, cap);
    const input = numbered(1, 5050); // 60 600 bytes: six times the cap and a bit
    child.stdin!.end(input);
    expect(await exited).toBe(0);

    expect(statSync(`${file}.1`).size).toBe(cap);
    expect(statSync(file).size).toBeLessThanOrEqual(cap);
    // The two files are the last bytes of the output, whole, in order.
    const kept = readFileSync(`${file}.1`, 'utf8') + readFileSync(file, 'utf8');
    expect(input.endsWith(kept)).toBe(true);
    expect(kept.length).toBeGreaterThan(cap);
  });

  it('without GNU split (BusyBox has no --filter), keeps every byte with a plain append', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const child = spawn('sh', ['-c', logWriterScript(file, 1000, false)], { stdio: ['pipe', 'ignore', 'ignore'] });
    cleanups.push(() => child.kill('SIGKILL'));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdin!.end(numbered(1, 3000));
    expect(await exited).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(numbered(1, 3000));
  });

  it("writes a start's marker first, before any output of the run, with or without GNU split", async () => {
    const dir = tempDir();
    const marker = "[tmuxctl 2026-11-28T10:00:00.000Z] restarted (killed by signal 9) 'quoted' $HOME %s";
    for (const gnu of [true, false]) {
      const file = path.join(dir, `app-${gnu}.log`);
      const child = spawn('sh', ['-c', logWriterScript(file, 1_000_000, gnu, marker)], { stdio: ['pipe', 'ignore', 'ignore'] });
      cleanups.push(() => child.kill('SIGKILL'));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.stdin!.end('first output\n');
      expect(await exited).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(`${marker}\nfirst output\n`);
    }
  });

  it("writes a quiet session's line at once (no buffer waits for more output)", async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const { child, exited } = startWriter(file, 1_000_000);
    child.stdin!.write('one line\n');
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8') === 'one line\n', 5000, 'the line in the file while the input stays open');
    child.stdin!.end();
    expect(await exited).toBe(0);
  });

  it('runs its filter under /bin/sh whatever SHELL says', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const { child, exited } = startWriter(file, 100, { ...process.env, SHELL: '/nonexistent/fish' });
    child.stdin!.end(numbered(1, 30));
    expect(await exited).toBe(0);
    const kept = readFileSync(`${file}.1`, 'utf8') + readFileSync(file, 'utf8');
    expect(kept.length).toBeGreaterThan(100);
    expect(numbered(1, 30).endsWith(kept)).toBe(true);
  });

  it('creates its folder 0700 and its files 0600 (they hold the session output)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'logs', 'server-x', 'app.log');
    const { child, exited } = startWriter(file, 100);
    child.stdin!.end(numbered(1, 20));
    expect(await exited).toBe(0);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}.1`).mode & 0o777).toBe(0o600);
  });

  it('exits when its input closes, with nothing written (no spin on an ended pipe)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const { child, exited } = startWriter(file, 1000);
    child.stdin!.end();
    expect(await exited).toBe(0);
    expect(existsSync(`${file}.1`)).toBe(false);
  });

  describe('on a full disk (a real 256 KiB tmpfs, filled)', () => {
    let fs: SmallFs | undefined;
    afterEach(() => {
      for (const c of cleanups.splice(0)) c();
      fs?.unmount();
      fs = undefined;
    });

    it('goes on reading while the disk is full, and writes again once there is room', async () => {
      fs = mountSmallFs();
      const file = path.join(fs.dir, 'app.log');
      const { child, exited } = startWriter(file, 64 * 1024);
      child.stdin!.write('before the outage\n');
      await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('before the outage'), 5000, 'the first line');
      fs.fill();
      child.stdin!.write(`${'lost '.repeat(2000)}\n`);
      // tmpfs gives whole 4 KiB pages: the line fills the file's last page, and the rest is refused.
      await waitFor(() => statSync(file).size === 4096, 5000, 'the write that hit the full disk');
      fs.free();
      // The writer pauses a second after a failed chunk; output keeps coming, as a pane's would.
      await waitFor(
        () => {
          child.stdin!.write('after the outage\n');
          return readFileSync(file, 'utf8').includes('after the outage');
        },
        10_000,
        'a line written after room returned',
        200,
      );
      child.stdin!.end();
      expect(await exited).toBe(0);
    });
  });
});
