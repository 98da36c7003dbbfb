import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stampAsLegacy } from '../helpers/legacy.js';
import { allCmdlines, type PaneInfo, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { tmuxCallLog } from '../helpers/tmux-calls.js';
import { eventsOf, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();

/** Windows and panes settings for tests not about start-up or stopping. */
const quick = { startSeconds: 0, stopTimeoutSeconds: 1 };
const sleeper = (n: number) => ['sleep', String(100000 + n)];

/** `window.N` (spec names, from the stamps) → pane, for one session's stamped panes. */
async function layoutOf(session: string): Promise<Map<string, PaneInfo>> {
  const out = new Map<string, PaneInfo>();
  for (const p of await t.panes()) {
    if (p.session !== session || p.stamp === '') continue;
    const w = /(?:^| )w=(\S+)/.exec(p.stamp)![1];
    const i = /(?:^| )i=(\d+)/.exec(p.stamp)![1];
    out.set(`${w}.${i}`, p);
  }
  return out;
}

async function pidsOf(session: string): Promise<Record<string, number>> {
  return Object.fromEntries([...(await layoutOf(session))].map(([k, p]) => [k, p.pid]));
}

/** Window names of a session in index order (hand-made windows included). */
async function windowOrder(session: string): Promise<string[]> {
  const out = await t.tmux('list-windows', '-t', `=${session}:`, '-F', '#{window_name}');
  return out.trim().split('\n');
}

function shop(windows: unknown[]): object {
  return specDoc({ shop: { ...quick, windows } });
}

const threeWindows = [
  { name: 'editor', command: sleeper(1) },
  { name: 'servers', layout: 'main-vertical', panes: [{ command: sleeper(2) }, { command: sleeper(3) }, { command: sleeper(4) }] },
  { name: 'cache', command: sleeper(5) },
];

describe('a session of windows and panes', () => {
  it('a 3-window session with split panes is created in one tmux batch, in spec order, and a no-op apply is one tmux call', async () => {
    const calls = tmuxCallLog(t, 'count-panes');
    const file = t.writeSpec('three/app.yaml', specDoc({ three: { ...quick, windows: threeWindows } }));
    const r = await t.tmuxctl(['apply', '-f', file], { env: calls.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('+ create three (not found)');
    expect(calls.calls().filter((c) => / source-file /.test(c))).toHaveLength(1);
    expect(await windowOrder('three')).toEqual(['editor', 'servers', 'cache']);
    const panes = await layoutOf('three');
    expect([...panes.keys()].sort()).toEqual(['cache.0', 'editor.0', 'servers.0', 'servers.1', 'servers.2']);
    for (const p of panes.values()) expect(p.dead).toBe(false);
    const servers = [...panes.values()].filter((p) => p.windowName === 'servers');
    expect(new Set(servers.map((p) => p.windowId)).size).toBe(1);

    const before = calls.calls().length;
    const again = await t.tmuxctl(['apply', '-f', file], { env: calls.env });
    expect(again.stdout).toContain('in sync: 1 session');
    expect(calls.calls().slice(before)).toEqual([expect.stringMatching(/ list-panes /)]);

    const status = JSON.parse((await t.tmuxctl(['status', '-f', file, '-o', 'json'])).stdout).sessions;
    expect(status.map((s: { name: string; window: string; pane: number; state: string }) => [s.name, s.window, s.pane, s.state])).toEqual([
      ['three:cache.0', 'cache', 0, 'running'],
      ['three:editor.0', 'editor', 0, 'running'],
      ['three:servers.0', 'servers', 0, 'running'],
      ['three:servers.1', 'servers', 1, 'running'],
      ['three:servers.2', 'servers', 2, 'running'],
    ]);
    const one = JSON.parse((await t.tmuxctl(['status', '-f', file, 'three:servers', '-o', 'json'])).stdout).sessions;
    expect(one.map((s: { name: string }) => s.name)).toEqual(['three:servers.0', 'three:servers.1', 'three:servers.2']);
  });

  it("a pane's command changed restarts only that pane; a layout change restarts nothing", async () => {
    const file = t.writeSpec('one-pane/app.yaml', shop(threeWindows));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const before = await pidsOf('shop');

    const changed = structuredClone(threeWindows) as typeof threeWindows;
    changed[1]!.panes![1]!.command = sleeper(33);
    t.writeSpec('one-pane/app.yaml', shop(changed));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout.trim().split('\n')).toEqual(['~ restart shop:servers.1 (command changed)', 'applied: 1 restarted']);
    const after = await pidsOf('shop');
    expect(after['servers.1']).not.toBe(before['servers.1']);
    expect({ ...after, 'servers.1': 0 }).toEqual({ ...before, 'servers.1': 0 });

    const layoutBefore = (await t.tmux('display', '-p', '-t', '=shop:=servers', '#{window_layout}')).trim();
    changed[1]!.layout = 'even-vertical';
    t.writeSpec('one-pane/app.yaml', shop(changed));
    const l = await t.tmuxctl(['apply', '-f', file]);
    expect(l.stdout.trim().split('\n')).toEqual(['~ layout shop:servers (layout main-vertical -> even-vertical)', 'applied: 1 updated']);
    expect(await pidsOf('shop')).toEqual(after);
    expect((await t.tmux('display', '-p', '-t', '=shop:=servers', '#{window_layout}')).trim()).not.toBe(layoutBefore);
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });

  it('windows added, removed and reordered, and panes added and removed, without restarting the others; hand-made windows and panes untouched', async () => {
    const file = t.writeSpec('reshape/app.yaml', specDoc({ reshape: { ...quick, windows: threeWindows } }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const before = await pidsOf('reshape');
    // A person adds a window of their own, and splits a pane into tmuxctl's servers window.
    await t.tmux('new-window', '-d', '-t', '=reshape:', '-n', 'mine', 'sleep 200001');
    await t.tmux('split-window', '-d', '-t', '=reshape:=servers', 'sleep 200002');
    const mine = (await t.panes()).filter((p) => p.session === 'reshape' && p.stamp === '');
    expect(mine).toHaveLength(2);

    // editor removed, cache moved first, logs added between, one pane more in servers.
    const next = [
      { name: 'cache', command: sleeper(5) },
      { name: 'logs', command: sleeper(6) },
      { name: 'servers', layout: 'main-vertical', panes: [{ command: sleeper(2) }, { command: sleeper(3) }, { command: sleeper(4) }, { command: sleeper(7) }] },
    ];
    t.writeSpec('reshape/app.yaml', specDoc({ reshape: { ...quick, windows: next } }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('+ create-window reshape:logs (window added)');
    expect(r.stdout).toContain('- kill-window reshape:editor (window removed)');
    expect(r.stdout).toContain('+ split reshape:servers.3 (pane added)');
    expect(r.stdout).toContain('~ reorder reshape (windows out of spec order)');
    expect(r.stdout).not.toContain('restart');
    const after = await pidsOf('reshape');
    for (const k of ['cache.0', 'servers.0', 'servers.1', 'servers.2']) expect(after[k]).toBe(before[k]);
    expect(after['editor.0']).toBeUndefined();
    expect((await windowOrder('reshape')).filter((n) => n !== 'mine')).toEqual(['cache', 'logs', 'servers']);
    for (const p of mine) expect((await t.panes()).find((q) => q.paneId === p.paneId)?.pid).toBe(p.pid);
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);

    // Back to three panes: the added one goes, the others and the person's pane stay.
    next[2]!.panes!.pop();
    t.writeSpec('reshape/app.yaml', specDoc({ reshape: { ...quick, windows: next } }));
    const shrink = await t.tmuxctl(['apply', '-f', file]);
    expect(shrink.stdout).toContain('- kill-pane reshape:servers.3 (pane removed)');
    const last = await pidsOf('reshape');
    expect(last['servers.3']).toBeUndefined();
    for (const k of ['cache.0', 'logs.0', 'servers.0', 'servers.1', 'servers.2']) expect(last[k]).toBe(after[k]);
    for (const p of mine) expect((await t.panes()).find((q) => q.paneId === p.paneId)?.pid).toBe(p.pid);
    await t.tmuxctl(['delete', '-f', file]);
  });

  it('a window dropped from the spec keeps a pane the person added to it', async () => {
    const file = t.writeSpec(
      'keep-mine/app.yaml',
      specDoc({
        km: {
          ...quick,
          windows: [
            { name: 'a', command: sleeper(8) },
            { name: 'b', command: sleeper(9) },
          ],
        },
      }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    await t.tmux('split-window', '-d', '-t', '=km:=b', 'sleep 200003');
    const mine = (await t.panes()).find((p) => p.session === 'km' && p.stamp === '')!;
    t.writeSpec('keep-mine/app.yaml', specDoc({ km: { ...quick, windows: [{ name: 'a', command: sleeper(8) }] } }));
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout).toContain('- kill-window km:b (window removed)');
    expect([...(await layoutOf('km')).keys()]).toEqual(['a.0']);
    expect((await t.panes()).find((p) => p.paneId === mine.paneId)?.pid).toBe(mine.pid);
    // The window is no longer tmuxctl's: the next pass leaves it alone.
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });

  it('delete takes a window or a pane target', async () => {
    const file = t.writeSpec('del/app.yaml', specDoc({ del: { ...quick, windows: threeWindows } }));
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const r = await t.tmuxctl(['delete', 'del:servers.1']);
    expect(r.stdout.trim().split('\n')).toEqual(['- kill-pane del:servers.1 (deleted)', 'deleted: 1 pane']);
    expect([...(await layoutOf('del')).keys()].sort()).toEqual(['cache.0', 'editor.0', 'servers.0', 'servers.2']);
    const w = await t.tmuxctl(['delete', 'del:editor']);
    expect(w.stdout).toContain('- kill-window del:editor (deleted)');
    expect([...(await layoutOf('del')).keys()].sort()).toEqual(['cache.0', 'servers.0', 'servers.2']);
    expect((await t.tmuxctl(['delete', 'del:servers.x'])).exitCode).toBe(2);
    await t.tmuxctl(['delete', '-f', file]);
  });
});

describe('the environment of a start', () => {
  it('names the session, window and pane, and counts the restarts before it', async () => {
    const file = t.writeSpec(
      'startenv/app.yaml',
      specDoc({ se: { ...quick, windows: [{ name: 'w', panes: [{ command: sleeper(70) }, { command: sleeper(71), env: { MINE: 'x' } }] }] } }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const first = (await layoutOf('se')).get('w.1')!;
    expect(environ(first.pid)).toEqual(expect.arrayContaining(['TMUXCTL_SESSION=se', 'TMUXCTL_WINDOW=w', 'TMUXCTL_PANE=1', 'TMUXCTL_RESTARTS=0', 'MINE=x']));
    // The pane's own variables stay its own; the session marker stays for every pane.
    const other = (await layoutOf('se')).get('w.0')!;
    expect(environ(other.pid)).toEqual(expect.arrayContaining(['TMUXCTL_SESSION=se', 'TMUXCTL_PANE=0']));
    expect(environ(other.pid).some((v) => v.startsWith('MINE='))).toBe(false);
    process.kill(first.pid, 'SIGKILL');
    await waitFor(async () => (await layoutOf('se')).get('w.1')?.dead, 5000, 'the pane dead');
    expect((await t.tmuxctl(['apply', '-f', file])).stdout).toContain('~ restart se:w.1 (killed by signal 9)');
    const again = (await layoutOf('se')).get('w.1')!;
    expect(environ(again.pid)).toEqual(expect.arrayContaining(['TMUXCTL_PANE=1', 'TMUXCTL_RESTARTS=1']));
    await t.tmuxctl(['delete', '-f', file]);
  });
});

describe('keys: typed into a shell that stays', () => {
  it('types once when the shell is ready, survives the typed program, is typed again after the shell is killed; env never typed', async () => {
    const file = t.writeSpec(
      'keys/app.yaml',
      specDoc({
        typed: { ...quick, shell: 'sh', env: { KEYS_SECRET: 'not-typed-31337' }, windows: [{ name: 'w', keys: 'echo "typed-$((6*7))" "$KEYS_SECRET"' }] },
      }),
    );
    const w = await startWatch(t, { args: ['-f', file] });
    const pane = await waitFor(async () => (await layoutOf('typed')).get('w.0'), 8000, 'the keys pane');
    const screen = async () => (await t.tmux('capture-pane', '-p', '-t', pane.paneId)).split('\n');
    await waitFor(async () => (await screen()).some((l) => l.trim() === 'typed-42 not-typed-31337'), 8000, 'the typed command to run');
    // The typed line holds the text as written: the value reached the shell through its environment.
    expect((await screen()).filter((l) => l.includes('not-typed-31337'))).toEqual(['typed-42 not-typed-31337']);
    // Typed once; the shell stays after the typed program ended.
    await new Promise((r) => setTimeout(r, 500));
    expect((await screen()).filter((l) => l.trim().startsWith('typed-42'))).toHaveLength(1);
    const still = (await layoutOf('typed')).get('w.0')!;
    expect([still.pid, still.dead]).toEqual([pane.pid, false]);

    process.kill(pane.pid, 'SIGKILL');
    const fresh = await waitFor(
      async () => {
        const p = (await layoutOf('typed')).get('w.0');
        return p && !p.dead && p.pid !== pane.pid ? p : undefined;
      },
      10_000,
      'the shell restarted',
    );
    await waitFor(async () => (await screen()).some((l) => l.trim() === 'typed-42 not-typed-31337'), 8000, 'typed again');
    expect(fresh.paneId).toBe(pane.paneId);
    expect((await w.stop()).code).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });
});

describe('watch on panes', () => {
  it('a crash in window 2 pane 1 is restarted with backoff, and no other pane is touched', async () => {
    const file = t.writeSpec(
      'crash/app.yaml',
      specDoc({
        cw: {
          ...quick,
          backoff: { initialSeconds: 1, maxSeconds: 60, resetAfterSeconds: 600 },
          windows: [
            { name: 'one', command: sleeper(10) },
            { name: 'two', panes: [{ command: sleeper(11) }, { command: 'sleep 0.2; exit 3' }] },
          ],
        },
      }),
    );
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const before = await pidsOf('cw');
    const w = await startWatch(t, { args: ['-f', file] });
    await waitFor(() => eventsOf(t, 'restart', 'cw:two.1').length >= 3, 15_000, 'three restarts of cw:two.1');
    const at = eventsOf(t, 'restart', 'cw:two.1').map((e) => Date.parse(String(e.timestamp)));
    // Spaced by backoff: the 2nd restart waits ~1 s after the death, the 3rd ~2 s.
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1500);
    expect(eventsOf(t, 'restart').filter((e) => e.session !== 'cw:two.1' && String(e.session).startsWith('cw'))).toEqual([]);
    const after = await pidsOf('cw');
    expect([after['one.0'], after['two.0']]).toEqual([before['one.0'], before['two.0']]);
    expect((await w.stop()).code).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });
  it('a failing health check on one pane restarts that pane only; the verdict is stamped on it', async () => {
    const file = t.writeSpec(
      'health/app.yaml',
      specDoc({
        hc: {
          ...quick,
          backoff: { initialSeconds: 1, maxSeconds: 60, resetAfterSeconds: 600 },
          windows: [
            {
              name: 'w',
              panes: [
                { command: sleeper(40), healthCheck: { command: 'true', intervalSeconds: 0.3, failureThreshold: 1 } },
                { command: sleeper(41), healthCheck: { command: 'exit 1', intervalSeconds: 0.3, failureThreshold: 1 } },
              ],
            },
          ],
        },
      }),
    );
    const w = await startWatch(t, { args: ['-f', file] });
    const first = await waitFor(async () => (await layoutOf('hc')).get('w.0'), 8000, 'hc:w.0');
    await waitFor(() => eventsOf(t, 'restart', 'hc:w.1').length >= 1, 10_000, 'hc:w.1 restarted for its health');
    expect(eventsOf(t, 'restart', 'hc:w.1')[0]!.reason).toMatch(/^health check failed \(1 consecutive failure, last: exit status 1\)$/);
    expect(eventsOf(t, 'restart', 'hc:w.0')).toEqual([]);
    expect((await layoutOf('hc')).get('w.0')?.pid).toBe(first.pid);
    const rows = async () => JSON.parse((await t.tmuxctl(['status', '-f', file, '-o', 'json'])).stdout).sessions as { name: string; health: string | null }[];
    await waitFor(async () => (await rows()).find((r) => r.name === 'hc:w.0')?.health === 'healthy', 8000, 'hc:w.0 healthy in status');
    expect((await w.stop()).code).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });
});

describe('per pane: the death hook, start-up checks, logs', () => {
  it('a kill in the third window is repaired through the pane-died hook alone (no /proc backstop, resync far away)', async () => {
    const file = t.writeSpec(
      'hook/app.yaml',
      specDoc({
        hk: {
          ...quick,
          windows: [
            { name: 'a', command: sleeper(20) },
            { name: 'b', command: sleeper(21) },
            { name: 'c', panes: [{ command: sleeper(22) }, { command: sleeper(23) }] },
          ],
        },
      }),
    );
    const w = await startWatch(t, { args: ['-f', file, '--resync', '600'], env: { TMUXCTL_INTERNAL_NO_PROC_BACKSTOP: '1' } });
    const victim = await waitFor(async () => (await layoutOf('hk')).get('c.1'), 8000, 'hk:c.1');
    // Past the follow-up pass of the start.
    await waitFor(() => eventsOf(t, 'create', 'hk').length === 1, 5000, 'the create recorded');
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(victim.pid, 'SIGKILL');
    await waitFor(
      async () => {
        const p = (await layoutOf('hk')).get('c.1');
        return p && !p.dead && p.pid !== victim.pid;
      },
      15_000,
      'hk:c.1 restarted by the hook',
    );
    expect(eventsOf(t, 'restart', 'hk:c.1')).toHaveLength(1);
    expect((await w.stop()).code).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });

  it('a pane that dies at once is reported by its target with its output; the other panes are applied; logs reads one pane', async () => {
    const file = t.writeSpec(
      'startfail/app.yaml',
      specDoc({
        sf: {
          startSeconds: 0.5,
          stopTimeoutSeconds: 1,
          windows: [{ name: 'w', panes: [{ command: 'echo sf-zero-says-hi; exec sleep 100030' }, { command: 'echo sf-fatal-config >&2; exit 7' }] }],
        },
      }),
    );
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('✗ failed sf:w.1 (exited with status 7 within 0.5s of starting)');
    expect(r.stdout).toContain('    | sf-fatal-config');
    expect((await layoutOf('sf')).get('w.0')?.dead).toBe(false);
    const logs = await t.tmuxctl(['logs', 'sf:w.0']);
    expect(logs.stdout).toContain('sf-zero-says-hi');
    expect(logs.stdout).not.toContain('sf-fatal-config');
    // A session target stands for its panes' logs, each line prefixed with its pane.
    const whole = await t.tmuxctl(['logs', 'sf']);
    expect(whole.exitCode, whole.stderr).toBe(0);
    expect(whole.stdout).toMatch(/^sf:w\.0 \| sf-zero-says-hi$/m);
    expect(whole.stdout).toMatch(/^sf:w\.1 \| sf-fatal-config$/m);
    await t.tmuxctl(['delete', '-f', file]);
  });
});

describe('adopt', () => {
  async function handMade(name: string): Promise<void> {
    await t.tmux('new-session', '-d', '-s', name, '-n', 'web', 'sleep 300101');
    await t.tmux('split-window', '-t', `=${name}:=web`, 'sleep 300102');
    await t.tmux('new-window', '-t', `=${name}:`, '-n', 'sh', 'sh');
    await t.tmux('send-keys', '-t', `=${name}:=sh`, 'sleep 300103', 'Enter');
    // The typed job is running in the shell's foreground before anything looks.
    await waitFor(() => allCmdlines().some((p) => p.argv.join(' ') === 'sleep 300103'), 5000, 'the typed job');
  }
  const spec = (web1: string) => ({
    ...quick,
    windows: [
      { name: 'web', panes: [{ command: 'sleep 300101' }, { command: web1 }] },
      { name: 'sh', shell: 'sh', keys: 'sleep 300103' },
    ],
  });

  it('of a matching hand-made session keeps every pid, and the next apply finds it in sync', async () => {
    await handMade('hm');
    const before = (await t.panes()).filter((p) => p.session === 'hm').map((p) => [p.paneId, p.pid]);
    const file = t.writeSpec('adopt/ok.yaml', specDoc({ hm: spec('sleep 300102') }));
    expect((await t.tmuxctl(['apply', '-f', file])).stdout).toContain('! conflict hm (exists, not managed by tmuxctl)');
    const r = await t.tmuxctl(['adopt', '-f', file, 'hm']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['~ adopt hm (windows, panes and commands match)', 'adopted: 1 session']);
    expect((await t.panes()).filter((p) => p.session === 'hm').map((p) => [p.paneId, p.pid])).toEqual(before);
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
    expect([...(await layoutOf('hm')).keys()].sort()).toEqual(['sh.0', 'web.0', 'web.1']);
    await t.tmuxctl(['delete', '-f', file]);
  });

  it('of a different session changes nothing and lists the differences, exit 3', async () => {
    await handMade('hd');
    const file = t.writeSpec('adopt/differs.yaml', specDoc({ hd: spec('sleep 300199') }));
    const r = await t.tmuxctl(['adopt', '-f', file, 'hd']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain("! hd: window web: pane 1 runs 'sleep 300102', spec says 'sleep 300199'");
    const panes = (await t.panes()).filter((p) => p.session === 'hd');
    expect(panes.every((p) => p.stamp === '' && p.windowStamp === '')).toBe(true);
    expect((await t.tmuxResult(['show-options', '-v', '-t', '=hd:', '@tmuxctl-hash'])).stdout.trim()).toBe('');
    expect((await t.tmuxResult(['show-options', '-v', '-t', '=hd:', '@tmuxctl-source'])).stdout.trim()).toBe('');
    expect((await t.tmuxctl(['adopt', '-f', file, 'nope'])).exitCode).toBe(2);
    await t.tmux('kill-session', '-t', '=hd:');
  });
});

describe('upgrading from tmuxctl 0.1', () => {
  it('a session stamped the 0.1 way (on the session) keeps running, and is re-stamped per pane without a restart', async () => {
    const file = t.writeSpec('legacy/app.yaml', specDoc({ old: { ...quick, command: ['sleep', '300201'] } }));
    // What 0.1 left on a session it started: its stamps on the session, the pane marked as managed.
    expect((await t.tmuxctl(['apply', '-f', file])).exitCode).toBe(0);
    const made = await stampAsLegacy(t, 'old', {
      '@tmuxctl-restarts': '2',
      '@tmuxctl-crashes': '1',
      '@tmuxctl-started': String(Date.now()),
      '@tmuxctl-stop-timeout': '1',
    });

    const status = JSON.parse((await t.tmuxctl(['status', '-f', file, '-o', 'json'])).stdout).sessions.find((s: { name: string }) => s.name === 'old');
    expect(status).toMatchObject({ state: 'running', pid: made.pid, restarts: 2 });
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.stdout.trim().split('\n')).toEqual(['~ update old (stamped by tmuxctl 0.1, re-stamped per pane)', 'applied: 1 updated']);
    const after = (await t.pane('old'))!;
    expect(after.pid).toBe(made.pid);
    expect(after.stamp).toMatch(/^w=old i=0 h=\S+ r=2 c=1 /);
    expect((await t.tmuxctl(['diff', '-f', file])).exitCode).toBe(0);
    await t.tmuxctl(['delete', '-f', file]);
  });
});
