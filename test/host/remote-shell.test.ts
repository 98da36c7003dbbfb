import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeptShell, parseFrame, requestText } from '../../src/host/remote-shell.js';
import { waitFor } from '../helpers/tmux.js';

/** A kept shell on a local `sh` (no ssh): what each request cost is one write and one read here too. */
function localShell(): { shell: KeptShell; opened: ChildProcess[] } {
  const opened: ChildProcess[] = [];
  const shell = new KeptShell({
    async open() {
      const child = spawn('sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
      opened.push(child);
      return child;
    },
    lost: (why, stderr) => new Error(`lost: ${why} ${stderr.trim()}`),
  });
  return { shell, opened };
}

let current: KeptShell | undefined;
afterEach(() => {
  current?.close();
  current = undefined;
});

function aShell() {
  const s = localShell();
  current = s.shell;
  return s;
}

describe('the kept shell', () => {
  it('answers each request with its own stdout, stderr and exit code, in one shell', async () => {
    const { shell, opened } = aShell();
    const a = await shell.run({ command: 'sh -s', input: 'echo out; echo err >&2; exit 3\n', timeoutMs: 5000 });
    expect(a).toEqual({ kind: 'answered', stdout: 'out\n', stderr: 'err\n', code: 3 });
    const b = await shell.run({ command: 'printf "%s" no-newline', timeoutMs: 5000 });
    expect(b).toEqual({ kind: 'answered', stdout: 'no-newline', stderr: '', code: 0 });
    // Input reaches the command whole, its lines as written (a quoted here-document: no expansion).
    const text = 'line $HOME `id` $(id)\n\'quoted\' "dq" \\ back\n\nlast\n';
    const c = await shell.run({ command: 'cat', input: text, timeoutMs: 5000 });
    expect(c).toEqual({ kind: 'answered', stdout: text, stderr: '', code: 0 });
    // A script that reads stdin gets its input only, never the requests after it.
    const d = await shell.run({ command: 'sh -s', input: 'cat; echo done\n', timeoutMs: 5000 });
    expect(d).toEqual({ kind: 'answered', stdout: 'done\n', stderr: '', code: 0 });
    expect(opened).toHaveLength(1);
  });

  it('requests made at once run one at a time, each getting its own answer', async () => {
    const { shell, opened } = aShell();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => shell.run({ command: 'sh -s', input: `echo ${i}\n`, timeoutMs: 10_000 })));
    expect(answers.map((a) => (a.kind === 'answered' ? a.stdout : a.kind))).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    expect(opened).toHaveLength(1);
  });

  it('posts a script without waiting for it: in order with the requests around it, its output and exit its own', async () => {
    const { shell, opened } = aShell();
    const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-post-'));
    try {
      const mark = path.join(dir, 'mark');
      await shell.post(`echo noise; echo noise >&2; sleep 0.5; touch '${mark}'; exit 7\n`, 5000);
      // Written, not waited for: the script is still asleep.
      expect(existsSync(mark)).toBe(false);
      // The request after it runs after it, in the same shell, and hears none of it.
      const a = await shell.run({ command: `test -e '${mark}' && echo seen`, timeoutMs: 5000 });
      expect(a).toEqual({ kind: 'answered', stdout: 'seen\n', stderr: '', code: 0 });
      expect(opened).toHaveLength(1);
      // Its time is added to the next request's own: a slow write does not make the request after it time out.
      await shell.post('sleep 1.5\n', 3000);
      const c = await shell.run({ command: 'echo in-time', timeoutMs: 1000 });
      expect(c).toEqual({ kind: 'answered', stdout: 'in-time\n', stderr: '', code: 0 });
      // One that hangs is killed there past its time, so it holds the next request no longer than that.
      await shell.post('sleep 30\n', 1000);
      const b = await shell.run({ command: 'echo after', timeoutMs: 10_000 });
      expect(b).toEqual({ kind: 'answered', stdout: 'after\n', stderr: '', code: 0 });
      expect(opened).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells whether a post may not have run yet: until a request posted after it is answered', async () => {
    const { shell } = aShell();
    const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-pending-'));
    try {
      const mark = path.join(dir, 'mark');
      expect(shell.postsPending).toBe(false);
      await shell.post(`sleep 0.3; touch '${mark}'\n`, 5000);
      expect(shell.postsPending).toBe(true);
      const a = await shell.run({ command: `test -e '${mark}' && echo seen`, timeoutMs: 5000 });
      expect(a).toMatchObject({ kind: 'answered', stdout: 'seen\n' });
      expect(shell.postsPending).toBe(false);
      // A post queued behind a busy request is pending at once, before it is even written, and
      // is not covered by that request's answer.
      const slow = shell.run({ command: 'sleep 0.2', timeoutMs: 5000 });
      const posted = shell.post(`rm '${mark}'\n`, 5000);
      expect(shell.postsPending).toBe(true);
      await slow;
      await posted;
      expect(shell.postsPending).toBe(true);
      // A shell that is gone took its posts with it: nothing left pending.
      shell.close();
      expect(shell.postsPending).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a request that times out kills its shell, and the next request works in a new one', async () => {
    const { shell, opened } = aShell();
    expect((await shell.run({ command: 'echo warm', timeoutMs: 5000 })).kind).toBe('answered');
    const started = Date.now();
    const slow = await shell.run({ command: 'sh -s', input: 'sleep 5; echo late\n', timeoutMs: 300 });
    expect(slow).toEqual({ kind: 'timed-out' });
    expect(Date.now() - started).toBeLessThan(5000);
    const next = await shell.run({ command: 'echo next', timeoutMs: 5000 });
    expect(next).toEqual({ kind: 'answered', stdout: 'next\n', stderr: '', code: 0 });
    expect(opened).toHaveLength(2);
    // The first shell was killed, by its handle.
    expect(opened[0]?.signalCode ?? opened[0]?.exitCode).not.toBeNull();
  });

  it('a shell that ends under a request rejects it with its loss; the next request starts another', async () => {
    const { shell, opened } = aShell();
    // `exit` in the shell itself (not in the request's subshell): as a host lost mid-request.
    await expect(shell.run({ command: 'echo bye >&2; kill -KILL $$', timeoutMs: 5000 })).rejects.toThrow(/^lost: the connection ended/);
    const next = await shell.run({ command: 'echo again', timeoutMs: 5000 });
    expect(next).toEqual({ kind: 'answered', stdout: 'again\n', stderr: '', code: 0 });
    expect(opened).toHaveLength(2);
  });

  it('a script that prints marker-like text cannot forge a frame or end its input early', async () => {
    const { shell } = aShell();
    // What a frame looks like, with another nonce and with this request's number.
    const forged = "printf '\\ntmuxctl-0000000000000000 1 0\\nforged\\ntmuxctl-0000000000000000 1 end\\n'; printf 'TMUXCTL_EOF_x\\n'; echo real\n";
    const a = await shell.run({ command: 'sh -s', input: forged, timeoutMs: 5000 });
    expect(a).toEqual({
      kind: 'answered',
      stdout: '\ntmuxctl-0000000000000000 1 0\nforged\ntmuxctl-0000000000000000 1 end\nTMUXCTL_EOF_x\nreal\n',
      stderr: '',
      code: 0,
    });
    // A line in the input that looks like a here-document's end does not end it.
    const b = await shell.run({ command: 'cat', input: 'TMUXCTL_EOF\nEOF\n)\n}\n', timeoutMs: 5000 });
    expect(b).toEqual({ kind: 'answered', stdout: 'TMUXCTL_EOF\nEOF\n)\n}\n', stderr: '', code: 0 });
  });

  it('output a script left behind, printed after its answer, is not taken for the next answer', async () => {
    const { shell } = aShell();
    const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-shell-'));
    try {
      const written = path.join(dir, 'written');
      const a = await shell.run({ command: 'sh -s', input: `(sleep 0.2; echo stray; : > ${written}) 2>/dev/null &\necho first\n`, timeoutMs: 5000 });
      expect(a).toEqual({ kind: 'answered', stdout: 'first\n', stderr: '', code: 0 });
      await waitFor(() => existsSync(written), 5000, 'the stray line written'); // between the two requests
      const b = await shell.run({ command: 'echo second', timeoutMs: 5000 });
      expect(b).toEqual({ kind: 'answered', stdout: 'second\n', stderr: '', code: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the frame', () => {
  it('is read only once whole, and what comes before its begin marker is dropped', () => {
    const tag = 'tmuxctl-abc 7';
    const whole = `stray\n${tag} begin\nout\n\n${tag} 2\nerr\n${tag} end\nnext`;
    for (let i = 0; i < whole.length - 4; i++) expect(parseFrame(whole.slice(0, i), tag)).toBeUndefined();
    expect(parseFrame(whole, tag)).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 2, rest: 'next' });
    // Another request's number is another frame.
    expect(parseFrame(whole, 'tmuxctl-abc 71')).toBeUndefined();
  });

  it('sends a secret input on stdin only: the request line itself carries no input', () => {
    const text = requestText({ command: 'sh -s', input: 'export TOKEN=s3cret\n' }, 'tmuxctl-x 1');
    const [, commandLine] = text.split('\n');
    expect(commandLine).toMatch(/^e=\$\( \{ sh -s <<'TMUXCTL_EOF_[0-9a-f]{16}'$/);
    expect(commandLine).not.toContain('s3cret');
  });
});
