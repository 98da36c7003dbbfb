/**
 * Imported specs applied to a real tmux (needs the windows-and-panes core: the planner and
 * executor that create windows and panes). The fixtures type their commands into shells (`keys:`),
 * so they start on any machine whatever tools it lacks: a typed `bundle exec rails s` that is not
 * found leaves its shell running, as under tmuxinator.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { useTmuxServer, waitFor } from '../helpers/tmux.js';
import { importFixtures } from './corpus.js';

const t = useTmuxServer();

interface SpecShape {
  sessions: Record<string, { windows: { name: string; panes?: unknown[] }[] }>;
}

/** Every `cwd` a spec names, at any level. */
function cwdsOf(spec: unknown): string[] {
  if (Array.isArray(spec)) return spec.flatMap(cwdsOf);
  if (spec === null || typeof spec !== 'object') return [];
  return Object.entries(spec).flatMap(([k, v]) => (k === 'cwd' && typeof v === 'string' ? [v] : cwdsOf(v)));
}

async function importAndApply(fixture: string): Promise<{ spec: string; shape: SpecShape }> {
  const folder = t.path('projects', fixture.replace(/[/.]/g, '_'));
  cpSync(path.dirname(path.join(importFixtures, fixture)), folder, { recursive: true });
  const imported = await t.tmuxctl(['import', path.join(folder, path.basename(fixture))]);
  expect(imported.exitCode).toBe(0);
  const shape = parse(imported.stdout) as SpecShape;
  for (const cwd of cwdsOf(shape)) {
    mkdirSync(cwd.startsWith('~/') ? path.join(t.env.HOME!, cwd.slice(2)) : path.resolve(folder, cwd), { recursive: true });
  }
  const spec = path.join(folder, 'tmuxctl.yaml');
  writeFileSync(spec, imported.stdout);
  const applied = await t.tmuxctl(['apply', '-f', spec], { timeoutMs: 30_000 });
  expect(applied.stderr).toBe('');
  expect(applied.exitCode).toBe(0);
  return { spec, shape };
}

/** `window name → pane count` of a live session, in window order. */
async function liveLayout(session: string): Promise<[string, number][]> {
  const out = await t.tmux('list-panes', '-s', '-t', `=${session}`, '-F', '#{window_index} #{window_name}');
  const counts = new Map<string, number>();
  for (const line of out.trim().split('\n')) {
    const name = line.slice(line.indexOf(' ') + 1);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts];
}

describe('imported specs apply to a real tmux', () => {
  it.each(['tmuxinator/blog.yml', 'tmuxp/shop.yaml'])('%s: every window and pane is created, and diff then says in sync', async (fixture) => {
    const { spec, shape } = await importAndApply(fixture);
    for (const [name, session] of Object.entries(shape.sessions)) {
      expect(await liveLayout(name)).toEqual(session.windows.map((w) => [w.name, w.panes?.length ?? 1]));
    }
    const diff = await t.tmuxctl(['diff', '-f', spec]);
    expect(diff.exitCode).toBe(0);
  });

  it('a Procfile runs each line as its pane process, with the PORT foreman would give it', async () => {
    const folder = t.path('projects', 'clock');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'Procfile'), 'worker: exec sleep 100000\nclock: while true; do echo "tick on $PORT"; sleep 1; done\n');
    const imported = await t.tmuxctl(['import', path.join(folder, 'Procfile')]);
    expect(imported.exitCode).toBe(0);
    const spec = path.join(folder, 'tmuxctl.yaml');
    writeFileSync(spec, imported.stdout);
    const applied = await t.tmuxctl(['apply', '-f', spec], { timeoutMs: 30_000 });
    expect(applied.stderr).toBe('');
    expect(applied.exitCode).toBe(0);
    expect(await liveLayout('clock')).toEqual([
      ['worker', 1],
      ['clock', 1],
    ]);
    await waitFor(
      async () => (await t.tmux('capture-pane', '-p', '-t', '=clock:clock.0')).includes('tick on 5100'),
      10_000,
      'the clock pane to print its PORT',
    );
    expect((await t.tmuxctl(['diff', '-f', spec])).exitCode).toBe(0);
  });
});
