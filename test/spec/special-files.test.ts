import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import { loadDesiredState } from '../../src/spec/load.js';

// A FIFO opened for reading blocks until a writer comes: without the check these loads never return.
// The deadline turns such a hang into a failure instead of a stuck suite.
const HANG = 10_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tmuxctl-special-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mkfifo = (file: string) => execFileSync('mkfifo', [file]);
const problems = async (paths: string[]) => {
  const result = await loadDesiredState(paths, { cwd: dir, env: {}, home: '/nonexistent-home' });
  return result.ok ? [] : result.problems.map(formatProblem);
};

describe('only regular files are read as specs and env files', () => {
  it('a FIFO given with -f is a problem naming its path, not a hang', { timeout: HANG }, async () => {
    mkfifo(path.join(dir, 'app.yaml'));
    expect(await problems(['app.yaml'])).toEqual(['app.yaml: is a FIFO (named pipe), not a regular file (a spec must be a file or a folder of them)']);
  });

  it('a character device given with -f is refused too', { timeout: HANG }, async () => {
    expect(await problems(['/dev/zero'])).toEqual(['/dev/zero: is a character device, not a regular file (a spec must be a file or a folder of them)']);
  });

  it('a FIFO named like a spec inside a folder is a problem, never skipped (skipped, its sessions would be pruned)', { timeout: HANG }, async () => {
    mkdirSync(path.join(dir, 'specs'));
    mkfifo(path.join(dir, 'specs/app.yaml'));
    writeFileSync(path.join(dir, 'specs/b.yaml'), 'version: 1\nsessions:\n  beta:\n    command: sleep 1\n');
    expect(await problems(['specs'])).toEqual(['specs/app.yaml: is a FIFO (named pipe), not a regular file (a spec must be a file or a folder of them)']);
  });

  it('a spec in a folder that became a broken symlink (a deploy link to a release not there yet) is a problem, never skipped', async () => {
    mkdirSync(path.join(dir, 'specs'));
    symlinkSync(path.join(dir, 'releases/v2/app.yaml'), path.join(dir, 'specs/app.yaml'));
    writeFileSync(path.join(dir, 'specs/b.yaml'), 'version: 1\nsessions:\n  beta:\n    command: sleep 1\n');
    expect(await problems(['specs'])).toEqual(['specs/app.yaml: is a broken symbolic link (what it points to does not exist)']);
    // Dot files stay skipped: emacs' lock file `.#app.yaml` is a dangling symlink by design.
    rmSync(path.join(dir, 'specs/app.yaml'));
    symlinkSync('user@host.1234', path.join(dir, 'specs/.#app.yaml'));
    expect(await problems(['specs'])).toEqual([]);
  });

  it('a FIFO as an env file is a positioned problem, not a hang', { timeout: HANG }, async () => {
    mkfifo(path.join(dir, 'secrets.env'));
    writeFileSync(path.join(dir, 'app.yaml'), 'version: 1\nsessions:\n  alpha:\n    command: sleep 1\n    envFile: secrets.env\n');
    expect(await problems(['app.yaml'])).toEqual([
      'app.yaml:5:14: sessions.alpha.envFile: env file "secrets.env" is a FIFO (named pipe), not a regular file (looked for secrets.env)',
    ]);
  });
});
