import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callerEnv, cases } from '../fixtures/spec/expected-problems.js';
import { linesOf, runCli, specFixtures } from './helpers.js';

const errors = path.join(specFixtures, 'errors');

/** Runs `tmuxctl validate ...args` from `cwd`, expecting exit 2 with exactly `expected` on stderr. */
async function expectInvalid(cwd: string, args: string[], expected: string[], env: Record<string, string> = callerEnv) {
  const result = await runCli(['validate', ...args], { cwd, env });
  expect(result.stderr).not.toContain('    at '); // no stack trace: these are the user's mistakes, not bugs
  expect(linesOf(result.stderr)).toEqual(expected);
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stdout).toBe('');
  expect(result.exitCode).toBe(2);
}

describe('tmuxctl validate on invalid specs: exit 2, every problem on stderr as file:line:col: message', () => {
  for (const [kind, expected] of Object.entries(cases)) {
    it(kind, async () => {
      await expectInvalid(path.join(errors, kind), [], expected);
    });
  }

  it('has a case for every fixture folder', () => {
    expect(Object.keys(cases).sort()).toEqual(readdirSync(errors).sort());
  });

  it('reports every problem in every -f path at once, each path as the user typed it', async () => {
    // From test/fixtures/spec/errors: both specs declare "alpha", so the second one is also a
    // duplicate of the first. Problems with the -f paths themselves come first, then each file's.
    await expectInvalid(
      errors,
      ['-f', 'bad-enum/specs', '-f', './bad-version/specs/app.yaml', '-f', 'empty-folder/specs/'],
      [
        'empty-folder/specs: no spec files (*.yaml, *.yml) in this folder',
        'bad-enum/specs/app.yaml:5:14: sessions.alpha.restart must be one of: always, on-failure, never',
        'bad-version/specs/app.yaml:1:10: version must be 1',
        'bad-version/specs/app.yaml:3:3: session "alpha" is already declared in bad-enum/specs/app.yaml:3:3',
      ],
    );
  });

  it('reports a missing path and goes on with the others', async () => {
    await expectInvalid(
      path.join(errors, 'bad-enum'),
      ['-f', 'nope.yaml', '-f', 'specs', '-f', 'nowhere/'],
      [
        'nope.yaml: no such file or folder',
        'nowhere: no such file or folder',
        'specs/app.yaml:5:14: sessions.alpha.restart must be one of: always, on-failure, never',
      ],
    );
  });

  it('shows files outside the working directory as absolute paths', async () => {
    const specs = path.join(errors, 'bad-version/specs');
    await expectInvalid(path.join(specFixtures, 'valid'), ['-f', specs], [`${specs}/app.yaml:1:10: version must be 1`]);
  });
});
