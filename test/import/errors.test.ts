import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { importFiles, type ImportOptions } from '../../src/import/import.js';
import { waitFor } from '../helpers/tmux.js';
import { repo } from './corpus.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tmuxctl-import-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opts: ImportOptions = { cwd: dir, env: { PATH: process.env.PATH }, nodePath: process.execPath };

function write(name: string, text: string): string {
  mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  writeFileSync(path.join(dir, name), text);
  return name;
}

/** Whether a process still runs (a zombie counts as gone: it runs nothing). */
function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function failure(files: string[], o: Partial<ImportOptions> = {}): Promise<SpecError> {
  const error = await importFiles(files, { ...opts, ...o }).catch((e: unknown) => e);
  if (!(error instanceof SpecError)) throw new Error(`expected a SpecError, got ${String(error)}`);
  return error;
}

describe('tmuxinator ERB', () => {
  test('a template that does not parse once its tags are set aside is an error at its position, exit 2', async () => {
    const error = await failure(['test/fixtures/import/tmuxinator/broken-template.yml'], { cwd: repo });
    expect(error.message).toBe(
      'test/fixtures/import/tmuxinator/broken-template.yml:5:1: the tmuxinator template does not parse as YAML once its ERB tags are set aside (tmuxctl does not evaluate ERB): A block sequence may not be used as an implicit map key',
    );
    expect(error.exitCode).toBe(2);
  });

  test('ERB root is kept as a comment and the rest is imported', async () => {
    const file = write('erb-root.yml', 'name: web\nroot: <%= ENV["HOME"] %>/src/web\nwindows:\n  - server: npm start\n');
    const result = await importFiles([file], opts);
    expect(result.text).toContain('# not imported: root: <%= ENV["HOME"] %>/src/web (ERB not evaluated)');
    expect(result.text).not.toContain('cwd:');
    expect(result.notImported).toBe(1);
  });
});

describe('files', () => {
  test('a file that is not there, and a folder, are errors, each on its line, all reported at once', async () => {
    mkdirSync(path.join(dir, 'a-folder'), { recursive: true });
    const error = await failure(['nope.yml', 'a-folder']);
    expect(error.message).toBe('nope.yml: cannot read it: no such file\na-folder: cannot read it: is a folder, not a file');
  });

  test('invalid YAML: a position and no source text (it may hold a secret)', async () => {
    const file = write('bad.yml', 'session_name: s\nenvironment:\n  TOKEN: "sk_live_secret" oops\nwindows: []\n');
    const error = await failure([file]);
    expect(error.message).toBe('bad.yml:3:27: invalid YAML: Unexpected scalar at node end');
  });

  test('a file with nothing to run is an error, not an empty session', async () => {
    const file = write('empty/process-compose.yaml', 'version: "0.5"\nprocesses:\n  web:\n    command: x\n    disabled: true\n');
    const error = await failure([file]);
    expect(error.message).toBe('empty/process-compose.yaml: no window or process to import from this process-compose file (a spec session needs at least one)');
  });
});

describe('several files', () => {
  test('one spec with every session, in the order given; the summary counts them all', async () => {
    const a = write('one/Procfile', 'web: python3 -m http.server 8000\n');
    const b = write('two.yml', 'session: two\nwindows:\n  - name: a\n    commands: [ls]\n');
    const result = await importFiles([a, b], opts);
    expect(result.sessions.map((s) => s.name)).toEqual(['one', 'two']);
    expect(result.summary).toBe('imported 2 sessions from one/Procfile, two.yml; every option imported');
    expect(result.text.match(/^ {2}\S.*:$/gm)).toEqual(['  one:', '  two:']);
  });

  test('two files that give one session name: an error naming both files, nothing printed', async () => {
    const a = write('shop/Procfile', 'web: rails s\n');
    const b = write('shop.yml', 'name: shop\nwindows:\n  - editor: vim\n');
    const error = await failure([a, b]);
    expect(error.message).toBe(
      'shop.yml: session "shop" is also imported from shop/Procfile: import the two files separately, or rename one session in its file',
    );
  });
});

describe('pm2 ecosystem.config.js', () => {
  test('runs in a child node process, not in tmuxctl', async () => {
    const file = write('pid/ecosystem.config.js', "module.exports = { apps: [{ name: 'a', script: 'a.js', env: { LOADED_BY: process.pid } }] };\n");
    const result = await importFiles([file], opts);
    const loadedBy = (result.sessions[0]?.windows[0]?.fields.env as Record<string, number> | undefined)?.LOADED_BY;
    expect(typeof loadedBy).toBe('number');
    expect(loadedBy).not.toBe(process.pid);
  });

  test('reads the caller environment, as under pm2', async () => {
    const file = write('envcfg/ecosystem.config.js', "module.exports = { apps: [{ name: 'a', script: 'a.js', env: { PORT: process.env.APP_PORT } }] };\n");
    const result = await importFiles([file], { ...opts, env: { ...opts.env, APP_PORT: '4123' } });
    expect(result.sessions[0]?.windows[0]?.fields.env).toEqual({ PORT: '4123' });
  });

  test('a program that throws: its position and the error line, not its source text', async () => {
    const file = write('throws/ecosystem.config.js', "const token = 'sk_live_secret';\nthrow new Error('no config for ' + process.env.NOPE);\n");
    const error = await failure([file]);
    expect(error.message).toBe('throws/ecosystem.config.js:2:7: loading it as pm2 does failed: Error: no config for undefined');
    expect(error.message).not.toContain('sk_live_secret');
  });

  test('a syntax error: the line and the message, no code frame', async () => {
    const file = write('syntax/ecosystem.config.js', "module.exports = {\n  apps: [{ name: 'x' token: 'sk_live_secret' }]\n};\n");
    const error = await failure([file]);
    expect(error.message).toMatch(/^syntax\/ecosystem\.config\.js:2:\d+: loading it as pm2 does failed: SyntaxError: /);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  test('a program that never finishes is stopped after the timeout (exit 2), with what it started', async () => {
    const pids = path.join(dir, 'hang/pids');
    const file = write(
      'hang/ecosystem.config.js',
      [
        "const { spawn } = require('child_process');",
        "const child = spawn('sleep', ['300'], { stdio: 'inherit' });",
        `require('fs').writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + child.pid);`,
        'while (true) {}',
        '',
      ].join('\n'),
    );
    const error = await failure([file], { pm2LoadTimeoutMs: 1000 });
    expect(error.message).toBe(
      'hang/ecosystem.config.js: loading it took longer than 1 s and was stopped (pm2 would hang on it too): fix the program, or write the config as ecosystem.config.json',
    );
    // The spinning loader and the sleep it started are both gone (the group was killed), not left behind.
    const [loader, sleeper] = readFileSync(pids, 'utf8').split(' ').map(Number);
    await waitFor(() => !alive(loader!) && !alive(sleeper!), 5000, 'the loader and its child to be gone');
  });

  test('module.exports in a "type": "module" package: an error that says how to fix it', async () => {
    write('esm/package.json', '{ "type": "module" }\n');
    const file = write('esm/ecosystem.config.js', "module.exports = { apps: [{ name: 'a', script: 'a.js' }] };\n");
    const error = await failure([file]);
    expect(error.message).toContain('rename it ecosystem.config.cjs, or write export default');
  });

  test('export default in an ES module is read', async () => {
    const file = write('esm2/ecosystem.config.mjs', "export default { apps: [{ name: 'a', script: 'a.js' }] };\n");
    const result = await importFiles([file], opts);
    expect(result.sessions[0]?.windows[0]?.fields.command).toEqual(['node', 'a.js']);
  });
});
