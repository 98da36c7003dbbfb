import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheFile, configStamps, forgetControlPath, readControlPath, writeControlPath } from '../../src/host/ssh/control-path-cache.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the remembered control socket path', () => {
  it('is given back while the config files are unchanged and it is young; dropped otherwise', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-cpc-'));
    const config = path.join(dir, 'ssh_config');
    writeFileSync(config, 'Host a\n  Port 22\n');
    const socket = path.join(dir, 'a'.repeat(40));
    writeControlPath(dir, 'key', socket, configStamps([config]), 1000);
    expect(readControlPath(dir, 'key', [config], 60_000, 2000)).toBe(socket);
    expect(readControlPath(dir, 'other key', [config], 60_000, 2000)).toBeUndefined();
    expect(readControlPath(dir, 'key', [config], 60_000, 70_000)).toBeUndefined(); // too old
    writeFileSync(config, 'Host a\n  Port 2222\n');
    expect(readControlPath(dir, 'key', [config], 60_000, 2000)).toBeUndefined(); // the config changed
    writeControlPath(dir, 'key', socket, configStamps([config]), 1000);
    forgetControlPath(dir, 'key');
    expect(readControlPath(dir, 'key', [config], 60_000, 2000)).toBeUndefined();
  });

  it('a path outside its own folder is never trusted, nor a file that is not an entry', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-cpc-'));
    writeControlPath(dir, 'key', '/tmp/elsewhere/socket', configStamps([]), 1000);
    expect(readControlPath(dir, 'key', [], 60_000, 2000)).toBeUndefined();
    writeFileSync(cacheFile(dir, 'key'), 'not json');
    expect(readControlPath(dir, 'key', [], 60_000, 2000)).toBeUndefined();
  });
});
