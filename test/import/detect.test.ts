import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { formatByContent, formatByName } from '../../src/import/detect.js';
import { importFiles } from '../../src/import/import.js';
import { SpecError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tmuxctl-detect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opts = { cwd: dir, env: {}, nodePath: process.execPath };

function write(name: string, text: string): string {
  writeFileSync(path.join(dir, name), text);
  return name;
}

describe('format by name', () => {
  test.each([
    ['Procfile', 'procfile'],
    ['Procfile.dev', 'procfile'],
    ['ecosystem.config.js', 'pm2'],
    ['ecosystem.config.cjs', 'pm2'],
    ['pm2.config.mjs', 'pm2'],
    ['process-compose.yaml', 'process-compose'],
    ['process-compose.override.yml', 'process-compose'],
    ['shop.yml', undefined],
    ['ecosystem.config.json', undefined],
  ])('%s → %s', (name, format) => {
    expect(formatByName(`/x/${name}`)).toBe(format);
  });
});

describe('format by content', () => {
  test.each([
    [{ processes: { web: { command: 'x' } } }, false, 'process-compose'],
    [{ apps: [{ script: 'a.js' }] }, false, 'pm2'],
    [[{ name: 'a', script: 'a.js' }], false, 'pm2'],
    [{ session_name: 's', windows: [] }, false, 'tmuxp'],
    [{ session: 's', windows: [] }, false, 'smug'],
    [{ name: 's', windows: [] }, false, 'tmuxinator'],
    [{ project_name: 's', tabs: [] }, false, 'tmuxinator'],
    [{ root: '~/x' }, false, 'tmuxinator'],
    [{ something: 1 }, true, 'tmuxinator'],
    [{ something: 1 }, false, undefined],
  ])('%j (ERB: %s) → %s', (data, erb, format) => {
    expect(formatByContent(data, erb)).toBe(format);
  });
});

describe('import without --from', () => {
  test('a tmuxp file in JSON with any name', async () => {
    const file = write('my-session.json', JSON.stringify({ session_name: 'x', windows: [{ window_name: 'a', panes: ['ls'] }] }));
    const result = await importFiles([file], opts);
    expect(result.sessions[0]?.format).toBe('tmuxp');
  });

  test('a tmuxinator template whose only clue is ERB', async () => {
    const file = write('work.yml', 'windows:\n  - editor: vim <%= ENV["FILE"] %>\n');
    const result = await importFiles([file], opts);
    expect(result.sessions[0]?.format).toBe('tmuxinator');
    expect(result.text).toContain('# not imported: commands: vim <%= ENV["FILE"] %> (ERB not evaluated)');
  });

  test('a file of no known tool is an error that names the choices and --from', async () => {
    const file = write('docker-compose.yml', 'services:\n  web:\n    image: nginx\n');
    const error = await importFiles([file], opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).message).toBe(
      'docker-compose.yml: cannot tell which tool this file is for (tmuxinator: name + windows, tmuxp: session_name, smug: session + windows, process-compose: processes, pm2: apps, Procfile: a file named Procfile*): pass --from',
    );
    expect((error as SpecError).exitCode).toBe(2);
  });

  test('--from wins over the name: a Procfile-like file with another name', async () => {
    const file = write('services.txt', 'web: python3 -m http.server\n');
    const result = await importFiles([file], { ...opts, from: 'procfile' });
    expect(result.sessions[0]?.windows.map((w) => w.fields.command)).toEqual(['python3 -m http.server']);
  });
});
