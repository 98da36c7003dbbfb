import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir, repo, runCli } from './helpers.js';

const schemaFile = readFileSync(path.join(repo, 'schema/tmuxctl.schema.json'), 'utf8');

// Run from an unrelated folder: the schema ships with the package and must not be looked up from the cwd.
const tmp = useTempDir('file');

describe('tmuxctl schema', () => {
  it('prints schema/tmuxctl.schema.json byte for byte, as valid JSON, and exits 0', async () => {
    const result = await runCli(['schema'], { cwd: tmp.dir });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(schemaFile);
    const schema = JSON.parse(result.stdout) as { $schema?: string; required?: string[]; then?: { required?: string[] }; properties?: object };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    // `sessions` is required unless the file declares `hosts` (a file may hold only hosts).
    expect(schema.required).toEqual(['version']);
    expect(schema.then?.required).toEqual(['sessions']);
    expect(Object.keys(schema.properties ?? {})).toEqual(['version', 'notify', 'envFile', 'sessions', 'hosts']);
  });

  it('takes no arguments', async () => {
    const result = await runCli(['schema', 'extra'], { cwd: tmp.dir });
    expect(result.stderr.split('\n')[0]).toBe("error: too many arguments for 'schema'. Expected 0 arguments but got 1.");
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(2);
  });
});
