import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir, repo, runCli } from './helpers.js';

const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };

// A folder with nothing in it: nothing here may read specs or reach tmux before failing.
const tmp = useTempDir('file');

/** Expects a usage error: exit 2, a one-line `error: ...` then where to find the usage, and no stack. */
async function expectUsageError(args: string[], message: string) {
  const result = await runCli(args, { cwd: tmp.dir });
  expect(result.stderr).toBe(`error: ${message}\n(add --help for usage)\n`);
  expect(result.stderr).not.toContain('    at ');
  expect(result.stdout).toBe('');
  expect(result.exitCode).toBe(2);
}

describe('usage errors exit 2', () => {
  it('an unknown command', async () => {
    await expectUsageError(['frobnicate'], "unknown command 'frobnicate'");
  });

  it('an unknown option of a command', async () => {
    await expectUsageError(['validate', '--frobnicate'], "unknown option '--frobnicate'");
  });

  it('an unknown global option', async () => {
    await expectUsageError(['--frobnicate', 'validate'], "unknown option '--frobnicate'");
  });

  it('-o with a format the command does not have', async () => {
    for (const command of ['diff', 'plan', 'apply', 'status']) {
      await expectUsageError([command, '-o', 'yaml'], "option '-o, --output <format>' argument 'yaml' is invalid. Allowed choices are text, json.");
    }
  });

  it('a number option that is not a usable number (a 0 s resync would spin)', async () => {
    await expectUsageError(['watch', '--resync', '0'], "option '--resync <seconds>' argument '0' is invalid. must be a number of at least 0.1");
    await expectUsageError(['apply', '--lock-timeout', 'soon'], "option '--lock-timeout <seconds>' argument 'soon' is invalid. must be a number of at least 0");
  });

  it('-f without a path', async () => {
    await expectUsageError(['validate', '-f'], "option '-f, --file <path>' argument missing");
  });

  it('a spec path without -f', async () => {
    await expectUsageError(['validate', 'specs'], "too many arguments for 'validate'. Expected 0 arguments but got 1.");
  });
});

describe('help and version exit 0', () => {
  it('--help lists the commands on stdout', async () => {
    const result = await runCli(['--help'], { cwd: tmp.dir });
    expect(result.stdout).toMatch(/^Usage: tmuxctl \[options\] \[command\]\n/);
    for (const command of ['validate', 'schema', 'apply', 'diff|plan', 'status', 'delete']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command.replace('|', '\\|')} `, 'm'));
    }
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('validate --help and help validate describe -f', async () => {
    for (const args of [
      ['validate', '--help'],
      ['help', 'validate'],
    ]) {
      const result = await runCli(args, { cwd: tmp.dir });
      expect(result.stdout).toMatch(/^Usage: tmuxctl validate \[options\]\n/);
      expect(result.stdout).toContain('-f, --file <path>');
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
    }
  });

  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag], { cwd: tmp.dir });
      expect(result.stdout).toBe(`${pkg.version}\n`);
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
    }
  });
});
