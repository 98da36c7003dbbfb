import { mkdirSync, mkdtempSync, rmSync, symlinkSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventLog, TmuxctlEvent } from '../../src/log/events.js';
import { loadDesiredState } from '../../src/spec/load.js';
import { type DesiredState, panesOf } from '../../src/spec/types.js';
import { REMOVAL_CONFIRM_MS, SpecSource } from '../../src/supervise/spec-source.js';

let root: string | undefined;
let source: SpecSource | undefined;
afterEach(() => {
  source?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const doc = (sessions: Record<string, string>) =>
  JSON.stringify({ version: 1, sessions: Object.fromEntries(Object.entries(sessions).map(([n, c]) => [n, { command: c }])) });

async function setUp(folder: string, files: Record<string, string>) {
  mkdirSync(folder, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(folder, name), content);
}

async function open(given: string, now: () => number = Date.now) {
  const load = () => loadDesiredState([given], { cwd: root!, env: {} });
  const first = await load();
  if (!first.ok) throw new Error(JSON.stringify(first.problems));
  const events: TmuxctlEvent[] = [];
  const log: EventLog = { record: (e) => events.push(e), close: async () => {} };
  let rechecks = 0;
  source = new SpecSource({ initial: first.desired, load, events: log, recheck: () => (rechecks += 1), now });
  await source.refresh(); // the first pass reads them again (starts dirty)
  return { source, events, rechecks: () => rechecks };
}

const names = (d: DesiredState) => d.sessions.map((s) => `${s.name}:${JSON.stringify(panesOf(s)[0]!.command)}`);

describe('SpecSource: no missed file event leaves stale specs', () => {
  it('reloads an edited spec file with no file event at all (the fingerprint differs)', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-specsrc-'));
    const folder = path.join(root, 'specs');
    await setUp(folder, { 'a.yaml': doc({ a: 'sleep 1' }) });
    const { source } = await open(folder);
    expect(await source.refresh()).toBe(false); // nothing changed: nothing read
    writeFileSync(path.join(folder, 'a.yaml'), doc({ a: 'sleep 2' }));
    expect(await source.refresh()).toBe(true);
    expect(names(source.desired)).toEqual(['a:{"kind":"shell","script":"sleep 2"}']);
  });

  it('reloads when an env file changes, and when a same-size rewrite keeps the mtime but not the inode', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-specsrc-'));
    const folder = path.join(root, 'specs');
    await setUp(folder, { 'a.yaml': JSON.stringify({ version: 1, sessions: { a: { command: 'sleep 1', envFile: 'a.env' } } }), 'a.env': 'X=1\n' });
    const { source } = await open(folder);
    writeFileSync(path.join(folder, 'a.env'), 'X=2\n');
    expect(await source.refresh()).toBe(true);
    expect(panesOf(source.desired.sessions[0]!)[0]!.env).toEqual({ X: '2' });
    // An editor's rename-save of the same size within the same mtime tick.
    const file = path.join(folder, 'a.env');
    const tmp = path.join(folder, '.a.env.tmp');
    writeFileSync(tmp, 'X=3\n');
    const t = new Date(Date.now() - 60_000);
    utimesSync(file, t, t);
    utimesSync(tmp, t, t);
    expect(await source.refresh()).toBe(true); // the utimes above changed ctime: read once
    renameSync(tmp, file);
    expect(await source.refresh()).toBe(true);
    expect(panesOf(source.desired.sessions[0]!)[0]!.env).toEqual({ X: '3' });
  });

  it('follows a symlink-swapped root (ln -s v2 specs.new && mv -T specs.new specs)', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-specsrc-'));
    await setUp(path.join(root, 'v1'), { 'a.yaml': doc({ a: 'sleep 1' }) });
    await setUp(path.join(root, 'v2'), { 'a.yaml': doc({ a: 'sleep 1' }), 'b.yaml': doc({ b: 'sleep 2' }) });
    const link = path.join(root, 'specs');
    symlinkSync(path.join(root, 'v1'), link);
    const { source } = await open(link);
    symlinkSync(path.join(root, 'v2'), `${link}.new`);
    renameSync(`${link}.new`, link);
    expect(await source.refresh()).toBe(true);
    expect(source.desired.sessions.map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('an invalid edit is reported once, not on every pass', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-specsrc-'));
    const folder = path.join(root, 'specs');
    await setUp(folder, { 'a.yaml': doc({ a: 'sleep 1' }) });
    const { source, events } = await open(folder);
    writeFileSync(path.join(folder, 'a.yaml'), 'version: 1\nsessions: [');
    for (let i = 0; i < 5; i++) expect(await source.refresh()).toBe(false);
    expect(events.filter((e) => /keeping the last valid specs/.test(String(e.reason)))).toHaveLength(1);
    expect(names(source.desired)).toEqual(['a:{"kind":"shell","script":"sleep 1"}']);
  });
});

describe('SpecSource: an invalid edit', () => {
  it('fixed by creating the env file it names, is picked up (no file event or fingerprint covers that file)', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-specsrc-'));
    const folder = path.join(root, 'specs');
    await setUp(folder, { 'a.yaml': doc({ a: 'sleep 1' }) });
    const { source, events } = await open(folder);
    writeFileSync(path.join(folder, 'a.yaml'), JSON.stringify({ version: 1, sessions: { a: { command: 'sleep 1', envFile: 'new.env' } } }));
    expect(await source.refresh()).toBe(false); // new.env is not there yet
    expect(await source.refresh()).toBe(false);
    writeFileSync(path.join(folder, 'new.env'), 'X=1\n');
    expect(await source.refresh()).toBe(true);
    expect(panesOf(source.desired.sessions[0]!)[0]!.env).toEqual({ X: '1' });
    expect(events.filter((e) => /keeping the last valid specs/.test(String(e.reason)))).toHaveLength(1);
  });
});

describe('SpecSource: a removed spec file is confirmed by a second look', () => {
  it(`keeps a file missing for less than ${REMOVAL_CONFIRM_MS} ms, and asks for the second look`, async () => {
    root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-specsrc-'));
    const folder = path.join(root, 'specs');
    await setUp(folder, { 'a.yaml': doc({ a: 'sleep 1' }), 'b.yaml': doc({ b: 'sleep 2' }) });
    let now = 1_000_000;
    const { source, rechecks } = await open(folder, () => now);
    rmSync(path.join(folder, 'b.yaml'));
    source.markDirty();
    expect(await source.refresh()).toBe(false);
    expect(source.desired.sessions.map((s) => s.name)).toEqual(['a', 'b']);
    now += 300;
    writeFileSync(path.join(folder, 'b.yaml'), doc({ b: 'sleep 2' }));
    await source.refresh();
    expect(source.desired.sessions.map((s) => s.name)).toEqual(['a', 'b']);
    await new Promise((r) => setTimeout(r, REMOVAL_CONFIRM_MS + 100));
    expect(rechecks()).toBe(0); // back in time: no second look needed
  });

  it('asks for the second look when the window ends (nothing else may wake watch)', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-specsrc-'));
    const folder = path.join(root, 'specs');
    await setUp(folder, { 'a.yaml': doc({ a: 'sleep 1' }), 'b.yaml': doc({ b: 'sleep 2' }) });
    const { source, rechecks } = await open(folder);
    rmSync(path.join(folder, 'b.yaml'));
    expect(await source.refresh()).toBe(false);
    await new Promise((r) => setTimeout(r, REMOVAL_CONFIRM_MS + 100));
    expect(rechecks()).toBe(1);
    expect(await source.refresh()).toBe(true);
    expect(source.desired.sessions.map((s) => s.name)).toEqual(['a']);
  });

  it('prunes a file still missing after the window', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'tmuxctl-specsrc-'));
    const folder = path.join(root, 'specs');
    await setUp(folder, { 'a.yaml': doc({ a: 'sleep 1' }), 'b.yaml': doc({ b: 'sleep 2' }) });
    let now = 1_000_000;
    const { source } = await open(folder, () => now);
    rmSync(path.join(folder, 'b.yaml'));
    expect(await source.refresh()).toBe(false);
    now += REMOVAL_CONFIRM_MS - 1;
    expect(await source.refresh()).toBe(false);
    now += 1;
    expect(await source.refresh()).toBe(true);
    expect(source.desired.sessions.map((s) => s.name)).toEqual(['a']);
  });
});
