import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callerEnv, cases } from '../fixtures/spec/expected-problems.js';
import { fixtures, problemLines } from './helpers.js';

describe('spec problems', () => {
  for (const [name, expected] of Object.entries(cases)) {
    it(name, async () => {
      expect(await problemLines(path.join('errors', name), ['specs'], { env: callerEnv })).toEqual(expected);
    });
  }

  it('has a case for every fixture folder', () => {
    expect(Object.keys(cases).sort()).toEqual(readdirSync(path.join(fixtures, 'errors')).sort());
  });

  it('reports a missing -f path and goes on with the others', async () => {
    expect(await problemLines('errors/bad-enum', ['nope.yaml', 'specs', 'nowhere/'])).toEqual([
      'nope.yaml: no such file or folder',
      'nowhere: no such file or folder',
      'specs/app.yaml:5:14: sessions.alpha.restart must be one of: always, on-failure, never',
    ]);
  });

  it('shows files outside the working directory as absolute paths', async () => {
    const elsewhere = path.join(fixtures, 'errors/bad-enum');
    const lines = await problemLines('valid/full', [path.join(elsewhere, 'specs')]);
    expect(lines).toEqual([`${path.join(elsewhere, 'specs/app.yaml')}:5:14: sessions.alpha.restart must be one of: always, on-failure, never`]);
  });

  it('never prints env values, only names', async () => {
    // The malformed env file is full of "s3cr3t"; required-env has values in the caller's env.
    for (const name of Object.keys(cases)) {
      const lines = await problemLines(path.join('errors', name), ['specs'], { env: { ...callerEnv, TELEGRAM_BOT_TOKEN: '' } });
      for (const line of lines) {
        expect(line).not.toContain('s3cr3t');
        expect(line).not.toContain('from the caller');
      }
    }
  });
});
