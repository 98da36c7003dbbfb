import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesOf, runCli, specFixtures } from './helpers.js';

const errors = path.join(specFixtures, 'errors');

const ALLOWED_SESSION_KEYS =
  'command, cwd, env, envFile, requiredEnv, restart, startSeconds, stopTimeoutSeconds, backoff, healthCheck, orphans';
const SESSION_NAME_RULE =
  "use 1 to 64 letters, digits, '_' or '-' ('.' and ':' are never allowed: tmux reads them as window and pane separators)";
const WHERE_TO_SET = '(set it under env, in an env file, or in the environment tmuxctl runs in)';

/**
 * Every kind of spec problem, as a user sees it: `tmuxctl validate` run with no flags from the
 * fixture's folder (test/fixtures/spec/errors/<kind>), so ./specs is read and paths are relative
 * to that folder. The same lines are pinned at the loader level in test/spec/errors.test.ts; here
 * they must arrive on stderr exactly, one per line, with nothing else around them.
 */
const cases: Record<string, string[]> = {
  'yaml-syntax': [
    'specs/app.yaml:5:5: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ],
  'multiple-documents': ['specs/app.yaml:3:1: only one YAML document per file is allowed (remove the second "---")'],
  'empty-file': ['specs/app.yaml: the file is empty; a spec needs "version: 1" and "sessions:"'],
  'empty-folder': ['specs: no spec files (*.yaml, *.yml) in this folder'],
  'duplicate-key': ['specs/app.yaml:6:5: sessions.alpha: duplicate key "restart" (each key may appear only once in a map)'],
  'unknown-key': [
    'specs/app.yaml:2:1: unknown key "sesions" (did you mean "sessions"?); allowed: version, sessions',
    `specs/app.yaml:6:5: sessions.alpha: unknown key "restrat" (did you mean "restart"?); allowed: ${ALLOWED_SESSION_KEYS}`,
    `specs/app.yaml:7:5: sessions.alpha: unknown key "colour"; allowed: ${ALLOWED_SESSION_KEYS}`,
  ],
  'wrong-type': [
    'specs/app.yaml:5:19: sessions.alpha.startSeconds must be a number',
    'specs/app.yaml:6:10: sessions.alpha.env must be a map',
    'specs/app.yaml:7:18: sessions.alpha.requiredEnv must be a list',
    'specs/app.yaml:9:19: sessions.alpha.backoff.maxSeconds must be a number',
  ],
  'bad-command': [
    'specs/app.yaml:4:14: sessions.number.command must be a string or a list of strings (a string runs under sh -c; a list is run as argv, without a shell)',
    'specs/app.yaml:6:14: sessions.map.command must be a string or a list of strings (a string runs under sh -c; a list is run as argv, without a shell)',
    'specs/app.yaml:8:19: sessions.list-of-mixed.command[1] must be a string',
    'specs/app.yaml:10:14: sessions.empty-string.command must not be empty',
    'specs/app.yaml:12:14: sessions.empty-list.command must not be an empty list',
  ],
  'bad-enum': ['specs/app.yaml:5:14: sessions.alpha.restart must be one of: always, on-failure, never'],
  'bad-version': ['specs/app.yaml:1:10: version must be 1'],
  'missing-required': [
    'specs/app.yaml:1:1: missing required key "version"',
    'specs/app.yaml:2:3: sessions.alpha: missing required key "command"',
    'specs/app.yaml:4:3: sessions.beta must be a map',
    'specs/app.yaml:7:5: sessions.gamma.orphans: missing required key "match"',
  ],
  'invalid-session-name': [
    `specs/app.yaml:3:3: sessions: invalid session name "my.app": ${SESSION_NAME_RULE}`,
    `specs/app.yaml:5:3: sessions: invalid session name "web:1": ${SESSION_NAME_RULE}`,
    `specs/app.yaml:7:3: sessions: invalid session name "": ${SESSION_NAME_RULE}`,
    `specs/app.yaml:9:3: sessions: invalid session name "a-name-that-is-much-too-long-for-tmuxctl-because-it-has-more-than-64-chars": ${SESSION_NAME_RULE}`,
  ],
  'duplicate-session': ['specs/b.yaml:5:3: session "alpha" is already declared in specs/a.yaml:3:3'],
  'missing-env-file': [
    'specs/app.yaml:5:14: sessions.alpha.envFile: env file "missing.env" not found (looked for specs/missing.env)',
    'specs/app.yaml:8:28: sessions.beta.envFile[1]: env file "../nowhere/also-missing.env" not found (looked for nowhere/also-missing.env)',
  ],
  'malformed-env-file': [
    '.env:3:1: expected KEY=value, but this line has no "="',
    ".env:4:1: invalid variable name: use letters, digits and '_', not starting with a digit",
    ".env:5:1: invalid variable name: use letters, digits and '_', not starting with a digit",
    '.env:6:17: unexpected text after the closing quote (a comment starts with #)',
    ".env:7:6: unterminated single-quoted value: no closing ' before the end of the file",
  ],
  // FROM_CALLER is set by the caller (see callerEnv), so it is the one requirement not reported.
  'required-env': [
    `specs/app.yaml:6:19: sessions.alpha.requiredEnv[0]: session "alpha" requires TELEGRAM_BOT_TOKEN, which is not set ${WHERE_TO_SET}`,
    `specs/app.yaml:6:39: sessions.alpha.requiredEnv[1]: session "alpha" requires EMPTY_HERE, which is empty ${WHERE_TO_SET}`,
    `specs/app.yaml:6:64: sessions.alpha.requiredEnv[3]: session "alpha" requires EMPTY_IN_CALLER, which is empty ${WHERE_TO_SET}`,
  ],
  'bad-regex': [
    'specs/app.yaml:5:22: sessions.alpha.orphans.match is not a valid regular expression: Unterminated group',
    'specs/app.yaml:9:14: sessions.beta.orphans.match is not a valid regular expression: Range out of order in character class',
  ],
  'health-check': [
    'specs/app.yaml:5:5: sessions.both.healthCheck: has both "command" and "outputWithinSeconds"; keep only one',
    'specs/app.yaml:10:5: sessions.neither.healthCheck: needs either "command" or "outputWithinSeconds"',
    'specs/app.yaml:15:16: sessions.bad-values.healthCheck.command must not be an empty list',
    'specs/app.yaml:16:25: sessions.bad-values.healthCheck.failureThreshold must be an integer',
    'specs/app.yaml:17:24: sessions.bad-values.healthCheck.intervalSeconds must be greater than 0',
  ],
  cwd: [
    'specs/app.yaml:5:10: sessions.missing.cwd: folder "does-not-exist" not found (looked for specs/does-not-exist)',
    'specs/app.yaml:8:10: sessions.a-file.cwd: "app.yaml" is not a folder (it resolves to specs/app.yaml)',
  ],
  'bad-env-name': [
    "specs/app.yaml:6:7: sessions.alpha.env: invalid variable name \"1ST\": use letters, digits and '_', not starting with a digit",
    "specs/app.yaml:8:7: sessions.alpha.env: invalid variable name \"WITH-DASH\": use letters, digits and '_', not starting with a digit",
    'specs/app.yaml:9:7: sessions.alpha.env.NULL_VALUE must be a string, number or boolean',
    "specs/app.yaml:10:28: sessions.alpha.requiredEnv[1] must be a variable name (letters, digits and '_', not starting with a digit)",
  ],
  numbers: [
    'specs/app.yaml:5:19: sessions.alpha.startSeconds must be at least 0',
    'specs/app.yaml:6:25: sessions.alpha.stopTimeoutSeconds must be a number',
    'specs/app.yaml:9:47: sessions.beta.backoff.maxSeconds must be at least initialSeconds (60)',
  ],
  // Several kinds at once, across two files: everything is reported, each file's problems in document order.
  many: [
    'specs/a.yaml:5:14: sessions.alpha.restart must be one of: always, on-failure, never',
    'specs/a.yaml:8:14: sessions.beta.envFile: env file "secrets.env" not found (looked for specs/secrets.env)',
    'specs/a.yaml:9:22: sessions.beta.orphans.match is not a valid regular expression: Unterminated group',
    'specs/b.yaml:3:3: session "alpha" is already declared in specs/a.yaml:3:3',
    'specs/b.yaml:7:25: sessions.gamma.stopTimeoutSeconds must be a number',
    'specs/b.yaml:8:5: sessions.gamma.healthCheck: needs either "command" or "outputWithinSeconds"',
    'specs/b.yaml:9:10: sessions.gamma.cwd: folder "nowhere" not found (looked for specs/nowhere)',
  ],
};

/** The caller's environment for every case: required-env needs one variable set and one empty. */
const callerEnv = { FROM_CALLER: 'from the caller', EMPTY_IN_CALLER: '' };

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
    await expectInvalid(errors, ['-f', 'bad-enum/specs', '-f', './bad-version/specs/app.yaml', '-f', 'empty-folder/specs/'], [
      'empty-folder/specs: no spec files (*.yaml, *.yml) in this folder',
      'bad-enum/specs/app.yaml:5:14: sessions.alpha.restart must be one of: always, on-failure, never',
      'bad-version/specs/app.yaml:1:10: version must be 1',
      'bad-version/specs/app.yaml:3:3: session "alpha" is already declared in bad-enum/specs/app.yaml:3:3',
    ]);
  });

  it('reports a missing path and goes on with the others', async () => {
    await expectInvalid(path.join(errors, 'bad-enum'), ['-f', 'nope.yaml', '-f', 'specs', '-f', 'nowhere/'], [
      'nope.yaml: no such file or folder',
      'nowhere: no such file or folder',
      'specs/app.yaml:5:14: sessions.alpha.restart must be one of: always, on-failure, never',
    ]);
  });

  it('shows files outside the working directory as absolute paths', async () => {
    const specs = path.join(errors, 'bad-version/specs');
    await expectInvalid(path.join(specFixtures, 'valid'), ['-f', specs], [`${specs}/app.yaml:1:10: version must be 1`]);
  });
});
