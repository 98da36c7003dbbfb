import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { useTempDir, repo, runCli } from './helpers.js';

const readmePath = path.join(repo, 'README.md');

interface SpecBlock {
  /** 1-based line of the opening fence in README.md. */
  line: number;
  text: string;
}

/** The README's ```yaml (or ```yml) blocks that are whole specs, i.e. declare `version: 1`. */
function specBlocks(): SpecBlock[] {
  let readme: string;
  try {
    readme = readFileSync(readmePath, 'utf8');
  } catch {
    throw new Error(`${readmePath} does not exist: the README must show a full example spec in a \`\`\`yaml block`);
  }
  const blocks: SpecBlock[] = [];
  for (const match of readme.matchAll(/^```ya?ml[^\n]*\n([\s\S]*?)^```/gm)) {
    const text = match[1] ?? '';
    if (!/^version:\s*1\s*(#.*)?$/m.test(text)) continue;
    blocks.push({ line: readme.slice(0, match.index).split('\n').length, text });
  }
  if (blocks.length === 0) throw new Error('README.md has no ```yaml block with "version: 1": the README must show a full example spec');
  return blocks;
}

type RawSession = { envFile?: unknown; requiredEnv?: unknown; cwd?: unknown };

function sessionsOf(block: SpecBlock): Record<string, RawSession> {
  const spec = parse(block.text) as { sessions?: Record<string, RawSession> } | null;
  return spec?.sessions ?? {};
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const tmp = useTempDir();

describe('the README', () => {
  it('shows example specs that tmuxctl validate accepts', async () => {
    const home = path.join(tmp.dir, 'home');
    const specs = path.join(tmp.dir, 'specs');
    await mkdir(home);
    await mkdir(specs);
    // Paths in a spec are relative to the spec file; `~` is HOME, here a folder of our own.
    const resolve = (p: string) => (p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : path.resolve(specs, p));

    for (const block of specBlocks()) {
      // The spec's name carries the README line, so a problem at app.yaml:N is README line block.line + N.
      const name = `readme-line-${block.line}.yaml`;
      await writeFile(path.join(specs, name), block.text);

      // What the example expects to find on the reader's machine: its env files (with dummy
      // values), its working folders, and its required variables in the caller's environment.
      const callerEnv: Record<string, string> = { HOME: home };
      for (const session of Object.values(sessionsOf(block))) {
        const required = strings(session.requiredEnv);
        const vars = [...new Set(['TELEGRAM_BOT_TOKEN', 'TELEGRAM_CHAT_ID', ...required])];
        for (const file of strings(session.envFile)) {
          await mkdir(path.dirname(resolve(file)), { recursive: true });
          await writeFile(resolve(file), vars.map((v) => `${v}=dummy-${v.toLowerCase()}\n`).join(''));
        }
        for (const cwd of strings(session.cwd)) await mkdir(resolve(cwd), { recursive: true });
        for (const v of required) callerEnv[v] = `dummy-${v.toLowerCase()}`;
      }

      const result = await runCli(['validate', '-f', `specs/${name}`], { cwd: tmp.dir, env: callerEnv });
      expect(result.stderr, `README.md line ${block.line}`).toBe('');
      expect(result.stdout).toMatch(new RegExp(`^valid: \\d+ sessions?( and \\d+ hosts?)? in specs/${name.replace(/\./g, '\\.')}\n$`));
      expect(result.exitCode).toBe(0);
    }
  });

  it('uses every session field of the schema in its examples', () => {
    const schema = JSON.parse(readFileSync(path.join(repo, 'schema/tmuxctl.schema.json'), 'utf8')) as {
      definitions: { session: { properties: Record<string, unknown> } };
    };
    const used = new Set(specBlocks().flatMap((block) => Object.values(sessionsOf(block)).flatMap((s) => Object.keys(s ?? {}))));
    const missing = Object.keys(schema.definitions.session.properties).filter((key) => !used.has(key));
    expect(missing, 'session fields that no README example shows').toEqual([]);
  });
});
