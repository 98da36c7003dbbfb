import { describe, expect, it } from 'vitest';
import type { ObservedState } from '../../src/observe/types.js';
import { planOrphans } from '../../src/plan/orphans.js';
import type { DesiredState, PaneSpec, SessionSpec } from '../../src/spec/types.js';

function pane(session: string, window: string, index: number, match?: string): PaneSpec {
  return {
    session,
    window,
    index,
    target: `${session}:${window}.${index}`,
    source: '/specs/a.yaml',
    command: { kind: 'argv', argv: ['sleep', '1'] },
    cwd: '/tmp',
    env: {},
    envFiles: [],
    restart: 'always',
    update: 'restart',
    startSeconds: 0,
    stopTimeoutSeconds: 3,
    backoff: { initialSeconds: 1, maxSeconds: 300, resetAfterSeconds: 600 },
    ...(match !== undefined && { orphans: { match } }),
  };
}

function session(name: string, panes: PaneSpec[]): SessionSpec {
  return { name, host: 'local', source: '/specs/a.yaml', windowsDeclared: true, windows: [{ name: 'w', panes }] };
}

const observed: ObservedState = {
  sessions: new Map(),
  serverRunning: true,
  at: 0,
  processes: [{ pid: 4242, startTime: 1, cmdline: 'python -m monitor', matchArgv: ['python', '-m', 'monitor'] }],
};

describe('orphans.match inherited by several panes', () => {
  it('is tested once per session, and a process is stopped once', () => {
    const desired: DesiredState = {
      sessions: [session('s', [pane('s', 'w', 0, 'monitor'), pane('s', 'w', 1, 'monitor'), pane('s', 'w', 2, 'python')])],
      hosts: [],
      files: [],
      roots: [],
    };
    const actions = planOrphans(desired, observed, new Set());
    expect(actions.map((a) => [a.kind, a.target, 'pid' in a ? a.pid : undefined])).toEqual([['kill-orphan', 's:w.0', 4242]]);
  });

  it('a pattern a refused session declares stops nothing', () => {
    const desired: DesiredState = { sessions: [session('s', [pane('s', 'w', 0, 'monitor')])], hosts: [], files: [], roots: [] };
    expect(planOrphans(desired, observed, new Set(['s']))).toEqual([]);
  });
});
