/**
 * Defects found by hostile testing of windows and panes (issue 9), as pure planner tests.
 * Each test names the defect it pins down.
 */
import { describe, expect, it } from 'vitest';
import type { PaneRow } from '../../src/freeze/list-panes.js';
import type { PaneProcess } from '../../src/freeze/pane-process.js';
import { planAdopt } from '../../src/plan/adopt.js';
import { plan } from '../../src/plan/plan.js';
import { desired, MANUAL, observed, paneOf, running, text, userWindow, windowed, windowOf } from '../helpers/model.js';

describe('a managed pane a person moved into another window (join-pane, move-pane, swap-pane)', () => {
  const full = windowed('shop', [{ name: 'editor' }, { name: 'servers', panes: [{}, {}] }]);

  it('is stopped and killed when its spec window is removed, not left running stamped and "undeclared" while diff says in sync', () => {
    const live = running(full);
    const mine = userWindow(2);
    live.windows.push(mine);
    // join-pane -s <servers.1> -t mine: the pane keeps its own stamp in the person's window.
    const moved = paneOf(live, 'servers', 1);
    const servers = windowOf(live, 'servers');
    servers.panes = servers.panes.filter((p) => p !== moved);
    mine.panes.push(moved);

    const now = windowed('shop', [{ name: 'editor' }]);
    const p = plan(desired([now]), observed(live), MANUAL);
    expect(text(p)).toEqual(['kill-pane shop:servers.1 (window removed)', 'kill-window shop:servers (window removed)']);
    const kill = p.actions.find((a) => a.kind === 'kill-pane');
    expect(kill?.kind === 'kill-pane' && kill.managed.pane.id).toBe(moved.id);
  });

  it('is left alone while its spec window still declares it (no restart, no split)', () => {
    const live = running(full);
    const mine = userWindow(2);
    live.windows.push(mine);
    const moved = paneOf(live, 'servers', 1);
    const servers = windowOf(live, 'servers');
    servers.panes = servers.panes.filter((p) => p !== moved);
    mine.panes.push(moved);
    expect(text(plan(desired([full]), observed(live), MANUAL))).toEqual([]);
  });
});

describe('adopt compares what a pane runs', () => {
  const row = (o: Partial<PaneRow>): PaneRow => ({
    sessionId: '$1',
    session: 'ad',
    owned: false,
    windowIndex: 0,
    windowName: 'web',
    layout: '',
    paneIndex: 0,
    pid: 4242,
    dead: false,
    cwd: '/work',
    startCommand: '',
    ...o,
  });

  it('reads `PROGRAM -c TEXT` as a shell running TEXT only when PROGRAM is a shell: `python3 -c CODE` is python3 with its arguments', () => {
    const s = windowed('ad', [{ name: 'web', panes: [{ command: { kind: 'argv', argv: ['python3', '-c', 'import time; time.sleep(8002)'] } }] }]);
    // tmux started `bash -c "python3 -c '...'"` and bash exec'd python3: /proc shows python3's argv.
    const procs = new Map<number, PaneProcess>([[4242, { argv: ['python3', '-c', 'import time; time.sleep(8002)'] }]]);
    const verdict = planAdopt(s, [row({})], procs);
    expect(verdict.ok ? [] : verdict.differences).toEqual([]);
  });

  it('still reads `bash -c TEXT` as the command line TEXT', () => {
    const s = windowed('ad', [{ name: 'web', panes: [{ command: { kind: 'shell', script: 'sleep 8001' } }] }]);
    const procs = new Map<number, PaneProcess>([[4242, { argv: ['/bin/bash', '-c', 'sleep 8001'] }]]);
    const verdict = planAdopt(s, [row({})], procs);
    expect(verdict.ok ? [] : verdict.differences).toEqual([]);
  });
});

describe('the order of one batch under renumber-windows', () => {
  it('reorders windows before it kills panes: a killed pane can close a window (a person broke it out into its own), which renumbers the windows the swaps name by index', () => {
    const v1 = windowed('shop', [{ name: 'editor' }, { name: 'servers', panes: [{}, {}] }, { name: 'cache' }]);
    const live = running(v1);
    const broke = userWindow(1, []);
    const moved = paneOf(live, 'servers', 1);
    windowOf(live, 'servers').panes = windowOf(live, 'servers').panes.filter((p) => p !== moved);
    broke.panes.push(moved);
    for (const w of live.windows) if (w.index >= 1) w.index++;
    live.windows.splice(1, 0, broke);
    const v2 = windowed('shop', [{ name: 'cache' }, { name: 'editor' }, { name: 'servers' }]);
    expect(text(plan(desired([v2]), observed(live), MANUAL))).toEqual([
      'reorder shop (windows out of spec order)',
      'kill-pane shop:servers.1 (pane removed)',
      'layout shop:servers (panes added or removed)',
    ]);
  });
});
