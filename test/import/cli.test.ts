import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { SCHEMA_LINE } from '../../src/import/schema-line.js';
import { linesOf, repo, runCli, useTempDir } from '../cli/helpers.js';
import { CORPUS, importFixtures } from './corpus.js';

const tmp = useTempDir();

/** Every `cwd` a spec names, at any level. */
function cwdsOf(spec: unknown): string[] {
  if (Array.isArray(spec)) return spec.flatMap(cwdsOf);
  if (spec === null || typeof spec !== 'object') return [];
  return Object.entries(spec).flatMap(([k, v]) => (k === 'cwd' && typeof v === 'string' ? [v] : cwdsOf(v)));
}

describe('tmuxctl import', () => {
  test('prints the spec on stdout and one summary line on stderr, exit 0', async () => {
    const result = await runCli(['import', 'test/fixtures/import/tmuxinator/shop.yml'], { cwd: repo });
    expect(result.exitCode).toBe(0);
    expect(linesOf(result.stdout)[0]).toBe(SCHEMA_LINE);
    expect(result.stdout).toBe(await readFile(path.join(importFixtures, 'golden/tmuxinator-shop.yaml'), 'utf8'));
    expect(result.stderr).toBe('imported 1 session from test/fixtures/import/tmuxinator/shop.yml; 6 options not imported (see comments)\n');
  });

  // One fixture per format, saved beside its source as the summary advises, through `validate`.
  const onePerFormat = [...new Map(CORPUS.map((c) => [c.format, c])).values()];
  test.each(onePerFormat)('the output of $file passes tmuxctl validate', async ({ file }) => {
    const folder = path.join(tmp.dir, 'project');
    await cp(path.dirname(path.join(importFixtures, file)), folder, { recursive: true });
    const source = path.join(folder, path.basename(file));
    const home = path.join(tmp.dir, 'home');
    const imported = await runCli(['import', source], { cwd: folder, env: { HOME: home } });
    expect(imported.exitCode).toBe(0);
    const spec = path.join(folder, 'tmuxctl.yaml');
    await writeFile(spec, imported.stdout);
    // The folders the spec names must exist for validate: make them, as the user's machine has them.
    for (const cwd of cwdsOf(parse(imported.stdout))) {
      await mkdir(cwd.startsWith('~/') ? path.join(home, cwd.slice(2)) : path.resolve(folder, cwd), { recursive: true });
    }
    const validated = await runCli(['validate', '-f', 'tmuxctl.yaml'], { cwd: folder, env: { HOME: home } });
    expect(validated.stderr).toBe('');
    expect(validated.stdout).toBe('valid: 1 session in tmuxctl.yaml\n');
  });

  test('several files: one spec with all their sessions', async () => {
    const result = await runCli(['import', 'test/fixtures/import/smug/api.yml', 'test/fixtures/import/procfile/shop/Procfile'], { cwd: repo });
    expect(result.exitCode).toBe(0);
    expect(Object.keys((parse(result.stdout) as { sessions: object }).sessions)).toEqual(['payments-api', 'shop']);
    expect(result.stderr).toBe(
      'imported 2 sessions from test/fixtures/import/smug/api.yml, test/fixtures/import/procfile/shop/Procfile; 3 options not imported (see comments)\n',
    );
  });

  test('--from decides the format whatever the name', async () => {
    await writeFile(path.join(tmp.dir, 'dev.procs'), 'web: python3 -m http.server\n');
    const result = await runCli(['import', '--from', 'procfile', 'dev.procs'], { cwd: tmp.dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('command: python3 -m http.server');
  });

  test('an unknown --from is a usage error, exit 2', async () => {
    const result = await runCli(['import', '--from', 'supervisord', 'x.conf'], { cwd: tmp.dir });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(linesOf(result.stderr)[0]).toBe(
      "error: option '--from <format>' argument 'supervisord' is invalid. Allowed choices are tmuxinator, tmuxp, smug, process-compose, procfile, pm2.",
    );
  });

  test('no file is a usage error, exit 2', async () => {
    const result = await runCli(['import'], { cwd: tmp.dir });
    expect(result.exitCode).toBe(2);
    expect(linesOf(result.stderr)[0]).toBe("error: missing required argument 'files'");
  });

  test('a template that does not parse: one line with its position, exit 2, nothing on stdout', async () => {
    const result = await runCli(['import', 'test/fixtures/import/tmuxinator/broken-template.yml'], { cwd: repo });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(linesOf(result.stderr)).toEqual([
      'test/fixtures/import/tmuxinator/broken-template.yml:5:1: the tmuxinator template does not parse as YAML once its ERB tags are set aside (tmuxctl does not evaluate ERB): A block sequence may not be used as an implicit map key',
    ]);
  });

  test.each([
    ['tmuxp/shop.yaml', 'sk_test_51Hx9dummydummydummy'],
    ['pm2/bot/ecosystem.config.json', '123456:dummy-token-for-tests'],
    ['pm2/shop/ecosystem.config.js', 's3cret'],
    ['smug/api.yml', 'payments:payments@'],
  ])('%s: env values reach stdout as written and never stderr', async (file, secret) => {
    const result = await runCli(['import', `test/fixtures/import/${file}`], { cwd: repo });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(secret);
    expect(result.stderr).not.toContain(secret);
    expect(linesOf(result.stderr)).toHaveLength(1);
  });

  test('what an ecosystem.config.js prints goes nowhere: stdout is the spec alone', async () => {
    const result = await runCli(['import', 'test/fixtures/import/pm2/shop/ecosystem.config.js'], { cwd: repo });
    expect(result.stdout).toBe(await readFile(path.join(importFixtures, 'golden/pm2-shop.yaml'), 'utf8'));
    expect(result.stdout + result.stderr).not.toContain('loading shop ecosystem');
  });
});
