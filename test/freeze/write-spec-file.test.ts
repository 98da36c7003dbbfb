import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { writeSpecFile } from '../../src/freeze/write-spec-file.js';
import { useTempDir } from '../cli/helpers.js';

describe('writeSpecFile', () => {
  const tmp = useTempDir();

  it('writes a new file, mode 0644 (less the umask): a spec is no secret', () => {
    const file = path.join(tmp.dir, 'frozen.yaml');
    writeSpecFile(file, 'version: 1\n', false);
    expect(readFileSync(file, 'utf8')).toBe('version: 1\n');
    const umask = process.umask();
    expect(statSync(file).mode & 0o777).toBe(0o644 & ~umask);
  });

  it('refuses an existing file without --force, and leaves it as it was', () => {
    const file = path.join(tmp.dir, 'mine.yaml');
    writeFileSync(file, 'precious\n');
    expect(() => writeSpecFile(file, 'version: 1\n', false)).toThrow(
      new UsageError(`${file} already exists: pass --force to replace it, or choose another path`),
    );
    expect(readFileSync(file, 'utf8')).toBe('precious\n');
  });

  it('with --force replaces a regular file whole (a longer old file leaves no tail)', () => {
    const file = path.join(tmp.dir, 'old.yaml');
    writeFileSync(file, 'x'.repeat(1000));
    writeSpecFile(file, 'version: 1\n', true);
    expect(readFileSync(file, 'utf8')).toBe('version: 1\n');
  });

  // A FIFO is tested through the CLI (freeze-cli.test.ts): a blocking open would hang this process.
  it('never writes into a folder, even with --force', () => {
    const folder = path.join(tmp.dir, 'folder');
    mkdirSync(folder);
    expect(() => writeSpecFile(folder, 'version: 1\n', true)).toThrow(/exists and is a folder/);
    expect(() => writeSpecFile(path.join(tmp.dir, 'nope', 'x.yaml'), 'version: 1\n', false)).toThrow(/its folder does not exist/);
  });
});
