import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { linesOf, useTempDir, repo, runCli, specFixtures } from './helpers.js';

/** Runs `tmuxctl validate ...args` from `cwd`, expecting exit 0, nothing on stderr and exactly `confirmation` on stdout. */
async function expectValid(cwd: string, args: string[], confirmation: string, env?: Record<string, string>) {
  const result = await runCli(['validate', ...args], { cwd, env });
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(`${confirmation}\n`);
  expect(result.exitCode).toBe(0);
}

const tmp = useTempDir();

describe('tmuxctl validate on valid specs: exit 0 and a one-line confirmation', () => {
  it("accepts the repo's own specs/ and examples/", async () => {
    await expectValid(repo, [], 'valid: 2 sessions in specs/demo.yaml');
    await expectValid(repo, ['-f', 'examples'], 'valid: 4 sessions in examples/claude-ops.yaml, examples/dev-shop.yaml, examples/web-bot.yaml');
  });

  it('reads ./specs relative to the working directory when no -f is given', async () => {
    await cp(path.join(repo, 'specs'), path.join(tmp.dir, 'specs'), { recursive: true });
    await expectValid(tmp.dir, [], 'valid: 2 sessions in specs/demo.yaml');
  });

  it('takes several -f paths, files and folders, each file once', async () => {
    await cp(path.join(repo, 'specs'), path.join(tmp.dir, 'specs'), { recursive: true });
    await cp(path.join(repo, 'examples'), path.join(tmp.dir, 'examples'), { recursive: true });
    await expectValid(
      tmp.dir,
      ['-f', 'specs', '-f', 'examples/web-bot.yaml', '--file', './examples', '-f', 'specs/demo.yaml'],
      'valid: 6 sessions in specs/demo.yaml, examples/web-bot.yaml, examples/claude-ops.yaml, examples/dev-shop.yaml',
    );
  });

  it('shows files outside the working directory as absolute paths', async () => {
    const examples = path.join(repo, 'examples');
    await expectValid(tmp.dir, ['-f', examples], `valid: 4 sessions in ${examples}/claude-ops.yaml, ${examples}/dev-shop.yaml, ${examples}/web-bot.yaml`);
  });

  it('reads *.yaml and *.yml in a folder, not dot files, other files or subfolders', async () => {
    // test/fixtures/spec/valid/folder/specs also holds .hidden.yaml, notes.txt and sub/c.yaml.
    await expectValid(path.join(specFixtures, 'valid/folder'), [], 'valid: 3 sessions in specs/a.yaml, specs/b.yml');
  });
});

describe('tmuxctl validate with hosts', () => {
  it('counts a session once per host it runs on, and the declared hosts; a remote cwd is not looked for here', async () => {
    await mkdir(path.join(tmp.dir, 'specs'));
    await writeFile(path.join(tmp.dir, 'specs', 'hosts.yaml'), "version: 1\nhosts:\n  gpu1: {ssh: 'k@gpu1.lab'}\n  gpu2: {ssh: 'ssh://k@gpu2.lab:2222'}\n");
    await writeFile(
      path.join(tmp.dir, 'specs', 'app.yaml'),
      "version: 1\nsessions:\n  agent-a: {host: gpu1, command: claude}\n  monitor: {hosts: [gpu1, gpu2], command: m, cwd: '~/claude-ops'}\n  notes: {command: 'vim notes.md'}\n",
    );
    await expectValid(tmp.dir, [], 'valid: 4 sessions and 2 hosts in specs/app.yaml, specs/hosts.yaml');
  });
});

describe('tmuxctl validate: the paths it is given', () => {
  it('fails when there is no ./specs and no -f', async () => {
    const result = await runCli(['validate'], { cwd: tmp.dir });
    expect(result.stderr).toBe('specs: no such file or folder\n');
    expect(result.exitCode).toBe(2);
  });

  it('fails on a folder with no spec files', async () => {
    await mkdir(path.join(tmp.dir, 'empty'));
    await writeFile(path.join(tmp.dir, 'empty', 'notes.txt'), 'not a spec\n');
    const result = await runCli(['validate', '-f', 'empty'], { cwd: tmp.dir });
    expect(result.stderr).toBe('empty: no spec files (*.yaml, *.yml) in this folder\n');
    expect(result.exitCode).toBe(2);
  });

  it('is all or nothing: valid specs and one missing path fail together, with no confirmation', async () => {
    await cp(path.join(repo, 'specs'), path.join(tmp.dir, 'specs'), { recursive: true });
    const result = await runCli(['validate', '-f', 'specs', '-f', 'missing.yaml'], { cwd: tmp.dir });
    expect(result.stderr).toBe('missing.yaml: no such file or folder\n');
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(2);
  });
});

describe('tmuxctl validate: requiredEnv', () => {
  const where = '(set it under env, in an env file, or in the environment tmuxctl runs in)';

  beforeEach(async () => {
    await mkdir(path.join(tmp.dir, 'specs'));
    await writeFile(
      path.join(tmp.dir, 'specs', 'bot.yaml'),
      ['version: 1', 'sessions:', '  bot:', '    command: ./bot', '    requiredEnv: [BOT_TOKEN, CHAT_ID]', ''].join('\n'),
    );
  });

  it("is satisfied from the caller's environment", async () => {
    await expectValid(tmp.dir, [], 'valid: 1 session in specs/bot.yaml', { BOT_TOKEN: 's3cr3t', CHAT_ID: '42' });
  });

  it('names each missing or empty variable, never a value', async () => {
    const result = await runCli(['validate'], { cwd: tmp.dir, env: { BOT_TOKEN: '', UNRELATED: 's3cr3t' } });
    expect(linesOf(result.stderr)).toEqual([
      `specs/bot.yaml:5:19: sessions.bot.requiredEnv[0]: session "bot" requires BOT_TOKEN, which is empty ${where}`,
      `specs/bot.yaml:5:30: sessions.bot.requiredEnv[1]: session "bot" requires CHAT_ID, which is not set ${where}`,
    ]);
    expect(result.stderr).not.toContain('s3cr3t');
    expect(result.exitCode).toBe(2);
  });

  it('is satisfied by an env file next to the spec, without the caller', async () => {
    await writeFile(path.join(tmp.dir, 'specs', 'bot.env'), 'BOT_TOKEN=s3cr3t\nCHAT_ID=42\n');
    await writeFile(
      path.join(tmp.dir, 'specs', 'bot.yaml'),
      ['version: 1', 'sessions:', '  bot:', '    command: ./bot', '    envFile: bot.env', '    requiredEnv: [BOT_TOKEN, CHAT_ID]', ''].join('\n'),
    );
    await expectValid(tmp.dir, [], 'valid: 1 session in specs/bot.yaml');
  });
});
