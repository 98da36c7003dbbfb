import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const cli = path.join(repo, 'dist/cli/main.js');
export const specFixtures = path.join(repo, 'test/fixtures/spec');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** The working directory, as if the user had cd'd there; relative -f paths and printed paths follow it. */
  cwd: string;
  /** The caller's environment, on top of a minimal one (PATH, NO_COLOR, and a HOME, state dir and TMUX_TMPDIR that do not exist). */
  env?: Record<string, string>;
}

/**
 * Runs the built CLI as a user would (`node dist/cli/main.js ...`), never rejecting: tests assert on
 * the exit code. The developer's own environment is not passed on, so a TELEGRAM_BOT_TOKEN or a
 * TMUXCTL_STATE_DIR in the shell that runs the tests cannot change what they see.
 */
export async function runCli(args: string[], opts: RunOptions): Promise<CliResult> {
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: run \`npm run build\` before the CLI tests`);
  // A HOME that does not exist: `~` in a spec must not find the developer's files, and a command
  // that should write nothing fails loudly if it tries.
  const home = opts.env?.HOME ?? '/nonexistent-home';
  const result = await execa(process.execPath, [cli, ...args], {
    cwd: opts.cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      TMUXCTL_STATE_DIR: path.join(home, 'state'),
      // No test here may reach the developer's tmux server: a default socket would live under here.
      TMUX_TMPDIR: path.join(home, 'tmux'),
      NO_COLOR: '1',
      ...opts.env,
    },
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    stdin: 'ignore',
    timeout: 20_000,
  });
  if (result.exitCode === undefined) throw new Error(`tmuxctl ${args.join(' ')} did not exit: ${result.message}`);
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Output as the lines a user sees: every line newline-terminated, so `lines` of "" is []. */
export function linesOf(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** A fresh temporary folder; `remove` deletes it. */
export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tmuxctl-cli-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A temp folder made before and removed after each test (or once for the file); read `.dir` inside tests. */
export function useTempDir(per: 'test' | 'file' = 'test'): { readonly dir: string } {
  let current: { dir: string; remove: () => Promise<void> } | undefined;
  const [before, after] = per === 'test' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    current = await makeTempDir();
  });
  after(async () => {
    await current?.remove();
  });
  return {
    get dir() {
      if (!current) throw new Error('useTempDir: .dir read outside a test');
      return current.dir;
    },
  };
}
