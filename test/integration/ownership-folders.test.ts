import { describe, expect, it } from 'vitest';
import { LONG_RUNNING, quickSession, specDoc, useTmuxServer } from '../helpers/tmux.js';

const t = useTmuxServer();

describe('one session name declared in two spec folders', () => {
  it("applying or deleting the second folder leaves the first folder's session alone; --take-over moves it", async () => {
    t.writeSpec('A/a.yaml', specDoc({ twin: quickSession(LONG_RUNNING) }));
    t.writeSpec('B/b.yaml', specDoc({ twin: quickSession(['sleep', '200001']), other: quickSession(LONG_RUNNING) }));
    expect((await t.tmuxctl(['apply', '-f', 'specs/A'])).exitCode).toBe(0);
    const first = (await t.pane('twin'))!;

    const r = await t.tmuxctl(['apply', '-f', 'specs/B']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('! conflict twin (owned by specs/A/a.yaml)');
    expect(r.stdout).toContain('+ create other (not found)');
    expect((await t.pane('twin'))!.pid).toBe(first.pid);
    expect((await t.pane('twin'))!.source).toBe(t.path('specs', 'A', 'a.yaml'));

    const status = await t.tmuxctl(['status', '-f', 'specs/B', 'twin']);
    expect(status.stdout).toMatch(/twin\s+conflict/);

    const d = await t.tmuxctl(['delete', '-f', 'specs/B']);
    expect(d.exitCode).toBe(3);
    expect(d.stdout).toContain('! conflict twin (owned by specs/A/a.yaml)');
    expect(d.stdout).toContain('- kill other (deleted)');
    expect((await t.pane('twin'))!.pid).toBe(first.pid);

    const take = await t.tmuxctl(['apply', '-f', 'specs/B', '--take-over']);
    expect(take.exitCode).toBe(0);
    // A spec's cwd defaults to its folder: both differ.
    expect(take.stdout).toContain('~ restart twin (command and cwd changed)');
    expect((await t.pane('twin'))!.source).toBe(t.path('specs', 'B', 'b.yaml'));
    // Now B's: applying A is the conflict.
    const back = await t.tmuxctl(['apply', '-f', 'specs/A']);
    expect(back.stdout).toContain('! conflict twin (owned by specs/B/b.yaml)');
  });
});
