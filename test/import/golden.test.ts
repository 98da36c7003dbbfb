import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { importFiles } from '../../src/import/import.js';
import { loadDesiredState } from '../../src/spec/load.js';
import { CORPUS, importFixtures, repo } from './corpus.js';

/** UPDATE_GOLDEN=1 npx vitest run test/import/golden.test.ts rewrites the golden files; read the diff before committing. */
const update = process.env.UPDATE_GOLDEN === '1';
const goldenDir = path.join(importFixtures, 'golden');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tmuxctl-import-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function importFixture(file: string) {
  return importFiles([path.join('test/fixtures/import', file)], { cwd: repo, env: { PATH: process.env.PATH }, nodePath: process.execPath });
}

describe.each(CORPUS)('$file', ({ file, format, golden, notImported }) => {
  test(`is told to be ${format} and its whole output is the golden file`, async () => {
    const result = await importFixture(file);
    const expected = path.join(goldenDir, golden);
    if (update) {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(expected, result.text);
    }
    expect(result.sessions.map((s) => s.format)).toEqual([format]);
    expect(result.text).toBe(readFileSync(expected, 'utf8'));
  });

  test(`counts ${notImported} options not imported, on stderr's one line`, async () => {
    const result = await importFixture(file);
    expect(result.notImported).toBe(notImported);
    expect((result.text.match(/# not imported: /g) ?? []).length).toBe(notImported);
    const rest = notImported === 0 ? 'every option imported' : `${notImported} option${notImported === 1 ? '' : 's'} not imported (see comments)`;
    expect(result.summary).toBe(`imported 1 session from test/fixtures/import/${file}; ${rest}`);
  });

  test('loads through the real spec loader without a problem, saved beside the file it came from', async () => {
    const result = await importFixture(file);
    // The spec is meant to be saved beside its source: env files and relative paths are read from there.
    const dir = path.join(scratch, file.replace(/[/.]/g, '_'));
    cpSync(path.dirname(path.join(importFixtures, file)), dir, { recursive: true });
    const spec = path.join(dir, 'tmuxctl.yaml');
    writeFileSync(spec, result.text);
    const loaded = await loadDesiredState([spec], { cwd: dir, env: {}, home: scratch, cwdMustExist: false });
    expect(loaded.ok ? [] : loaded.problems).toEqual([]);
    if (!loaded.ok) return;
    const draft = result.sessions[0]!;
    const session = loaded.desired.sessions[0]!;
    expect(session.name).toBe(draft.name);
    expect(session.windows.map((w) => [w.name, w.panes.length])).toEqual(draft.windows.map((w) => [w.name, w.panes.length]));
  });
});
