/**
 * `tmuxctl watch` as a child process the test owns, on the private server of test/helpers/tmux.ts.
 *
 * Every watch started here is stopped in afterEach (SIGTERM, then SIGKILL if it lingers), by the pid
 * this file recorded; nothing is ever killed by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { cliPath, isProcessAlive, readIfExists, waitFor, type TmuxServer } from './tmux.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WatchProcess {
  /** The tmuxctl watch process (with viaScript: the node process, not the script). */
  pid: number;
  /** The script's pid when started through one. */
  scriptPid?: number;
  /** Everything watch wrote to stderr so far (its human event lines). */
  stderr(): string;
  stdout(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Sends `signal` and resolves with the exit and how long it took. */
  stop(signal?: NodeJS.Signals): Promise<Exit & { ms: number }>;
}

export interface WatchStartOptions {
  /** Extra arguments after `watch` (e.g. -f PATH, --resync N). */
  args: readonly string[];
  cwd?: string;
  /**
   * Run watch from a shell script of this file name (placed in the server's root dir), which stays
   * its parent: the start script of the incident, named like the monitor it starts.
   */
  viaScript?: string;
  /** Wait until watch has loaded its specs and started (default true). Wait for its sessions yourself. */
  ready?: boolean;
  /** Called synchronously the moment `watch-started` shows on stderr (to act inside start-up). */
  onStarted?: () => void;
  /** Merged over the server's environment. */
  env?: Record<string, string>;
}

const started: { child: ChildProcess; pid: number; done: () => boolean }[] = [];

afterEach(async () => {
  const running = started.splice(0);
  await Promise.all(
    running.map(async (w) => {
      if (w.done()) return;
      try {
        process.kill(w.pid, 'SIGTERM');
      } catch {
        return;
      }
      const deadline = Date.now() + 3000;
      while (!w.done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (!w.done() && isProcessAlive(w.pid)) process.kill(w.pid, 'SIGKILL');
    }),
  );
});

/** Starts `tmuxctl -L <socket> watch ...args` and (by default) waits until it says it has started. */
export async function startWatch(t: TmuxServer, opts: WatchStartOptions): Promise<WatchProcess> {
  const argv = [process.execPath, cliPath, '-L', t.socket, 'watch', ...opts.args];
  let child: ChildProcess;
  let pid: number;
  let scriptPid: number | undefined;
  if (opts.viaScript) {
    const pidFile = t.path(`${opts.viaScript}.pid`);
    const script = t.path(opts.viaScript);
    rmSync(pidFile, { force: true }); // a script of the same name may have run before
    // Not exec: the script stays alive as watch's parent, as a start script that waits would.
    writeFileSync(script, `#!/bin/sh\n${argv.map(shQuote).join(' ')} &\necho $! > ${shQuote(pidFile)}\nwait $!\n`);
    chmodSync(script, 0o755);
    child = spawn(script, [], { cwd: opts.cwd ?? t.root, env: { ...t.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    scriptPid = child.pid!;
    pid = Number(await waitFor(() => readIfExists(pidFile)?.trim(), 5000, `${pidFile} written`));
  } else {
    child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd ?? t.root, env: { ...t.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    pid = child.pid!;
  }
  let err = '';
  let out = '';
  let announced = false;
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
    if (!announced && /watch-started/.test(err)) {
      announced = true;
      opts.onStarted?.();
    }
  });
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  let done = false;
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  started.push({ child, pid, done: () => done && !isProcessAlive(pid) });

  const w: WatchProcess = {
    pid,
    scriptPid,
    stderr: () => err,
    stdout: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      const t0 = Date.now();
      process.kill(pid, signal);
      const exit = await exited;
      return { ...exit, ms: Date.now() - t0 };
    },
  };
  if (opts.ready ?? true) await waitForStart(w);
  return w;
}

/** Waits until watch has loaded its specs and logged `watch-started`; a failed start throws with its stderr. */
async function waitForStart(w: WatchProcess): Promise<void> {
  let exit: Exit | undefined;
  void w.exited.then((e) => (exit = e));
  await waitFor(
    () => {
      if (exit) throw new Error(`watch exited (${JSON.stringify(exit)}) before starting:\n${w.stderr()}`);
      return /watch-started/.test(w.stderr());
    },
    10_000,
    'watch to start',
  );
}

/** The JSON lines of STATE_DIR/events.log (empty before the first event). */
export function readEvents(t: TmuxServer): Record<string, unknown>[] {
  const text = readIfExists(path.join(t.stateDir, 'events.log')) ?? '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Events of one kind (and session), oldest first. */
export function eventsOf(t: TmuxServer, event: string, session?: string): Record<string, unknown>[] {
  return readEvents(t).filter((e) => e.event === event && (session === undefined || e.session === session));
}

export interface StatusJson {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  lastExitStatus: number | null;
  lastExitSignal: number | null;
  startedAt: string | null;
  source: string | null;
  nextRestartAt: string | null;
  health?: string | null;
  attachedClients?: number | null;
}

/** `tmuxctl status -o json` for one session. */
export async function statusOf(t: TmuxServer, specArgs: readonly string[], name: string): Promise<StatusJson> {
  const r = await t.tmuxctl(['status', ...specArgs, name, '-o', 'json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { sessions: StatusJson[] }).sessions[0]!;
}

/**
 * Polls until `cond` holds and returns how long that took from `since` (ms), failing with `what`
 * after `timeoutMs`. The timeout is generous (a loaded CI box); callers assert the contract bound on
 * the returned time, so a miss reports the real delay rather than a bare timeout.
 */
export async function timeUntil<T>(since: number, cond: () => T | Promise<T>, what: string, timeoutMs = 8000): Promise<{ ms: number; value: NonNullable<T> }> {
  const value = await waitFor(cond, timeoutMs, what, 20);
  return { ms: Date.now() - since, value };
}

/** A session's pane pid, or undefined while it is missing or dead. */
export async function livePid(t: TmuxServer, session: string): Promise<number | undefined> {
  const p = await t.pane(session);
  return p && !p.dead ? p.pid : undefined;
}

/** Kills the pane process of `session` (waiting for it to run first) and waits until a new one runs there. */
export async function killAndAwaitRestart(t: TmuxServer, session: string, what: string, timeoutMs = 15_000): Promise<void> {
  const victim = await waitFor(() => livePid(t, session), 5000, `${session} running`);
  process.kill(victim, 'SIGKILL');
  await waitFor(
    async () => {
      const pid = await livePid(t, session);
      return pid !== undefined && pid !== victim;
    },
    timeoutMs,
    what,
  );
}

/** A session log file: STATE_DIR/logs/server-<tag>/NAME.log (one server per test file, so one tag). */
export function sessionLog(t: TmuxServer, session: string): string | undefined {
  const dir = path.join(t.stateDir, 'logs');
  const servers = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('server-')) : [];
  for (const s of servers) {
    const text = readIfExists(path.join(dir, s, `${session}.log`));
    if (text !== undefined) return text;
  }
  return undefined;
}

export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
