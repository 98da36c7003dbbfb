import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { signalChild } from '../process/signal.js';

/**
 * One long-lived shell on a host (`ssh ... sh`, its stdin kept), reused by every short call of that
 * host: a call then costs a write and a read on a connection that is already there, not a new ssh
 * session (an ssh mux client, an sshd session, a new sh: ~50-70 ms each on a loaded machine).
 *
 * Each request is written to the shell's stdin as a few lines (requestText) and its answer read back
 * between markers that carry a nonce random per shell and the request's number: what a request's
 * command prints cannot forge them (it never sees the nonce), and a late answer of an earlier
 * request cannot be taken for a later one (another number; and a request that timed out killed the
 * shell it ran in). Requests run one at a time, in order. Long-lived streams (a followed log, the
 * nudge loop, a kept lock, `wait-for`) do not come here: they would hold the shell.
 */

/** One request: a command line for the host's sh (already quoted), and what it gets on stdin. */
export interface ShellRequest {
  /** Shell text, e.g. `sh -s` or `timeout -s KILL 17 tmux -L x start-server \; source-file -`. */
  command: string;
  /** Its stdin, sent as a quoted here-document (a newline is added when it does not end with one). Unset: /dev/null. */
  input?: string;
  /**
   * From the request's turn (not from the call: a request queued behind a long batch is not the
   * host failing to answer; each one before it is bounded by its own). Past it the shell is killed.
   */
  timeoutMs: number;
}

export type ShellAnswer = { kind: 'answered'; stdout: string; stderr: string; code: number } | { kind: 'timed-out' };

/** How a shell is started (`ssh ... -- sh`, or a local `sh` in tests), and what its loss is called. */
export interface ShellOpener {
  /** Spawns the shell with piped stdio; may first wait for a connection (bounded by `timeoutMs`). */
  open(timeoutMs: number): Promise<ChildProcess>;
  /** The error a request rejects with when the shell ended under it (the host was lost). `stderr`: the shell's own last words. */
  lost(why: string, stderr: string): Error;
}

/** A frame's markers: `NONCE SEQ begin`, then `\nNONCE SEQ CODE`, the stderr, `\nNONCE SEQ end`. */
export function requestText(req: Pick<ShellRequest, 'command' | 'input'>, tag: string): string {
  let stdin = ' </dev/null';
  let body = '';
  if (req.input !== undefined) {
    const d = delimiterFor(req.input);
    stdin = ` <<'${d}'`;
    body = `${req.input === '' || req.input.endsWith('\n') ? req.input : `${req.input}\n`}${d}\n`;
  }
  // stdout straight out (fd 3 is the shell's stdout), stderr captured apart: no temporary file.
  return [
    `printf '%s\\n' '${tag} begin'`,
    `e=$( { ${req.command}${stdin}`,
    `${body}} 2>&1 >&3 3>&-); c=$?`,
    `printf '\\n%s %s\\n%s\\n%s\\n' '${tag}' "$c" "$e" '${tag} end'`,
    '',
  ].join('\n');
}

/** A posted script: on a shell of its own (its `exit` is its own), every output dropped. */
export function postText(script: string, timeoutSec: number): string {
  const d = delimiterFor(script);
  return `timeout -s KILL ${timeoutSec} sh -s >/dev/null 2>&1 <<'${d}'\n${script.endsWith('\n') ? script : `${script}\n`}${d}\n`;
}

/**
 * A here-document's delimiter that no line of `input` is: random, so a script cannot end its own
 * input early and have the rest run as the shell's next commands.
 */
function delimiterFor(input: string): string {
  const lines = new Set(input.split('\n'));
  for (;;) {
    const d = `TMUXCTL_EOF_${randomBytes(8).toString('hex')}`;
    if (!lines.has(d)) return d;
  }
}

/**
 * Reads one answer out of what the shell printed so far; pure. `undefined`: not all of it yet.
 * What came before the `begin` marker (a late write of something a script left running) is not
 * part of it.
 */
export function parseFrame(out: string, tag: string): { stdout: string; stderr: string; code: number; rest: string } | undefined {
  const begin = `${tag} begin\n`;
  const b = out.indexOf(begin);
  if (b < 0) return undefined;
  const from = b + begin.length;
  const codeAt = out.indexOf(`\n${tag} `, from);
  if (codeAt < 0) return undefined;
  const codeEnd = out.indexOf('\n', codeAt + 1);
  const endMark = `\n${tag} end\n`;
  const end = out.indexOf(endMark, codeEnd);
  if (codeEnd < 0 || end < 0) return undefined;
  const code = Number(out.slice(codeAt + tag.length + 2, codeEnd));
  const stderr = out.slice(codeEnd + 1, end);
  return {
    stdout: out.slice(from, Math.max(from, codeAt)),
    stderr: stderr === '' ? '' : `${stderr}\n`,
    code: Number.isInteger(code) ? code : 1,
    rest: out.slice(end + endMark.length),
  };
}

interface Running {
  child: ChildProcess;
  out: string;
  stderr: string;
  exited: boolean;
  /** Told when the shell's stdout grows or the shell ends. */
  onChange?: () => void;
}

export class KeptShell {
  private readonly nonce = `tmuxctl-${randomBytes(8).toString('hex')}`;
  private seq = 0;
  /** The time limits of the scripts posted since the last request's turn (post). */
  private postedMs = 0;
  private shell: Running | undefined;
  /** Posts waiting for their turn; posts written so far, and how many of them a request answered after them has seen done. */
  private queuedPosts = 0;
  private posted = 0;
  private settledPosts = 0;
  /** The tail of the queue: each request starts once the one before it has settled. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly opener: ShellOpener) {}

  /**
   * Runs one request in turn. Resolves with its answer, or `timed-out` when `timeoutMs` (from its
   * turn) passed first: the shell is then killed (by its handle), so its answer, should it come, is
   * read by nobody. Rejects with the opener's `lost` error when the shell ended under the request,
   * or could not be started.
   */
  run(req: ShellRequest): Promise<ShellAnswer> {
    const turn = this.tail.then(() => {
      // Scripts posted ahead of it run first there: their time is added, not taken from this one's.
      const slack = this.postedMs;
      this.postedMs = 0;
      const covers = this.posted;
      return this.runNow(req, Date.now() + req.timeoutMs + slack).then((a) => {
        if (a.kind === 'answered') this.settledPosts = Math.max(this.settledPosts, covers);
        return a;
      });
    });
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Runs a script whose output and outcome nobody reads (a log marker), in turn, without waiting for
   * it: its turn ends once it is written, so the request after it goes out right behind it and the
   * host runs both for one round trip. `timeout` kills it there past `timeoutMs`, and that time is
   * added to the next request's own, so a slow write (a hung NFS home) costs the request after it
   * nothing but the wait: keep it short. Resolves once written, or once no shell could be had in
   * time: then it is lost, as the host is (an awaited write would have failed the same way).
   */
  post(script: string, timeoutMs: number): Promise<void> {
    // Pending from now, not from its turn: one queued behind a busy request is not written yet.
    this.queuedPosts++;
    const turn = this.tail
      .then(() => this.postNow(script, timeoutMs))
      .catch(() => undefined)
      .finally(() => this.queuedPosts--);
    this.tail = turn;
    return turn;
  }

  private async postNow(script: string, timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), timeoutMs);
    });
    try {
      const shell = await Promise.race([this.started(timeoutMs).catch(() => 'expired' as const), expired]);
      if (shell === 'expired' || shell.exited) return;
      const limitSec = Math.ceil(timeoutMs / 1000);
      shell.child.stdin?.write(postText(script, limitSec));
      this.postedMs += limitSec * 1000;
      this.posted++;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Whether a script posted here may not have run yet: no request answered since it was posted has
   * seen it done, or it still waits for its turn. What must not overtake such a post on another
   * channel goes through this shell, behind it (a batch on the host's control client would
   * otherwise start a pane before the exit marker of its last run, or before its log was moved).
   */
  get postsPending(): boolean {
    return this.queuedPosts > 0 || this.settledPosts < this.posted;
  }

  /**
   * Ends the shell (its stdin closed, then SIGKILL by its handle); the next request starts another.
   * A request under way ends now (lost), not when the shell's pipes close: a process its command
   * started may hold them open long after.
   */
  close(): void {
    const s = this.shell;
    this.shell = undefined;
    if (!s) return;
    // What was posted to it has run or never will: nothing left to wait for.
    this.settledPosts = this.posted;
    s.child.stdin?.end();
    signalChild(s.child, 'SIGKILL');
    s.exited = true;
    s.onChange?.();
  }

  private async runNow(req: ShellRequest, deadline: number): Promise<ShellAnswer> {
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'timed-out' };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), left);
    });
    try {
      const shell = await Promise.race([this.started(left), expired]);
      if (shell === 'expired') {
        // A start still under way goes on: its shell serves the next request.
        return { kind: 'timed-out' };
      }
      const tag = `${this.nonce} ${++this.seq}`;
      shell.child.stdin?.write(requestText(req, tag));
      const answer = await Promise.race([this.answerOf(shell, tag), expired]);
      if (answer === 'expired') {
        // Killed, so its answer, should it come, is read by nobody: the next request gets a new shell.
        if (this.shell === shell) this.close();
        return { kind: 'timed-out' };
      }
      return answer;
    } finally {
      clearTimeout(timer);
    }
  }

  private opening: Promise<Running> | undefined;

  /** The shell, started when there is none (or the last one ended). */
  private started(timeoutMs: number): Promise<Running> {
    if (this.shell && !this.shell.exited) return Promise.resolve(this.shell);
    this.shell = undefined;
    this.opening ??= this.start(timeoutMs).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async start(timeoutMs: number): Promise<Running> {
    let child: ChildProcess;
    try {
      child = await this.opener.open(timeoutMs);
    } catch (e) {
      throw e instanceof Error ? e : this.opener.lost(String(e), '');
    }
    const s: Running = { child, out: '', stderr: '', exited: false };
    const decoder = new StringDecoder('utf8');
    child.stdin?.on('error', () => {}); // a shell gone: its exit says so
    child.stdout?.on('data', (b: Buffer) => {
      s.out += decoder.write(b);
      s.onChange?.();
    });
    child.stderr?.on('data', (b: Buffer) => {
      s.stderr = (s.stderr + b.toString()).slice(-4096);
    });
    const ended = () => {
      if (s.exited) return;
      s.exited = true;
      if (this.shell === s) this.shell = undefined;
      s.onChange?.();
    };
    child.on('error', (e) => {
      s.stderr += `\n${e.message}`;
      ended();
    });
    child.on('close', ended);
    // A kept shell must not keep a command from exiting: a request's own timer keeps it alive while
    // it waits. When we exit, its stdin ends and the shell there with it.
    child.unref();
    for (const p of [child.stdin, child.stdout, child.stderr]) (p as { unref?: () => void } | null)?.unref?.();
    // fd 3: where each request's stdout goes, while its stderr is captured (requestText).
    child.stdin?.write('exec 3>&1\n');
    this.shell = s;
    return s;
  }

  private answerOf(s: Running, tag: string): Promise<ShellAnswer> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const f = parseFrame(s.out, tag);
        if (f) {
          s.onChange = undefined;
          s.out = f.rest;
          resolve({ kind: 'answered', stdout: f.stdout, stderr: f.stderr, code: f.code });
        } else if (s.exited) {
          s.onChange = undefined;
          reject(this.opener.lost('the connection ended', s.stderr));
        }
      };
      s.onChange = look;
      look();
    });
  }
}
