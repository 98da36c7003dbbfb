import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostUnreachableError } from '../../src/errors.js';
import type { MachineChecks } from '../../src/host/checks.js';
import type { EventLog, TmuxctlEvent } from '../../src/log/events.js';
import type { ObservedState } from '../../src/observe/types.js';
import type { DesiredState, HealthCheck, SessionSpec } from '../../src/spec/types.js';
import { localChecks } from '../../src/host/local-checks.js';
import { HealthMonitor } from '../../src/supervise/health.js';
import * as m from '../helpers/model.js';

const STARTED = Date.now() - 10_000;

function spec(healthCheck: HealthCheck): SessionSpec {
  return m.spec('hc', { command: { kind: 'argv', argv: ['sleep', '100000'] }, cwd: tmpdir(), startSeconds: 0, stopTimeoutSeconds: 1, healthCheck });
}

function state(s: SessionSpec): { desired: DesiredState; observed: ObservedState } {
  const live = m.running(s, { createdAt: STARTED });
  Object.assign(m.paneOf(live, 'hc'), { id: '%1', pid: 1 });
  m.paneOf(live, 'hc').stamp!.startedAt = STARTED;
  return { desired: m.desired([s]), observed: { ...m.observed(live), at: Date.now() } };
}

function recorder(): EventLog & { events: TmuxctlEvent[] } {
  const events: TmuxctlEvent[] = [];
  return { events, record: (e) => events.push(e), close: async () => {} };
}

let monitor: HealthMonitor | undefined;
let logDir: string | undefined;
afterEach(() => {
  monitor?.stop();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HealthMonitor', () => {
  it('the restart reason counts the failures the events counted, also those seen while the restart waits', async () => {
    const events = recorder();
    let verdicts = 0;
    logDir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-health-'));
    monitor = new HealthMonitor({ checks: localChecks, logDir, events, env: process.env, onUnhealthy: () => (verdicts += 1), onChange: () => {} });
    const s = spec({ kind: 'command', command: { kind: 'argv', argv: ['false'] }, intervalSeconds: 0.05, timeoutSeconds: 2, failureThreshold: 2 });
    const { desired, observed } = state(s);
    monitor.sync(desired, observed);
    // Nobody restarts it (a backoff is being waited out): failures go on past the threshold.
    const deadline = Date.now() + 10_000;
    while (events.events.filter((e) => e.event === 'health-failed').length < 4 && Date.now() < deadline) await sleep(20);
    const failed = events.events.filter((e) => e.event === 'health-failed');
    const last = failed.at(-1)!.failures as number;
    expect(last).toBeGreaterThanOrEqual(4);
    expect(verdicts).toBe(1); // one verdict, one restart asked for
    expect(monitor.verdicts().get('hc')!.detail).toBe(`health check failed (${last} consecutive failures, last: exit status 1)`);
  });

  it('an interval beyond what a timer can hold (intervalSeconds: 3000000) never runs the check early', async () => {
    const events = recorder();
    logDir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-health-'));
    monitor = new HealthMonitor({ checks: localChecks, logDir, events, env: process.env, onUnhealthy: () => {}, onChange: () => {} });
    const s = spec({ kind: 'command', command: { kind: 'argv', argv: ['false'] }, intervalSeconds: 3_000_000, timeoutSeconds: 2, failureThreshold: 1 });
    const { desired, observed } = state(s);
    monitor.sync(desired, observed);
    await sleep(500); // Node fires an overflowing timer after 1 ms: hundreds of checks by now
    expect(events.events.filter((e) => e.event === 'health-failed')).toEqual([]);
  });

  it('a check on a host that cannot be reached counts as no failure and gives no verdict (said once); one that reaches it again counts', async () => {
    const events = recorder();
    let verdicts = 0;
    let reachable = false;
    let runs = 0;
    const checks: MachineChecks = {
      command: async () => {
        runs++;
        if (!reachable) throw new HostUnreachableError('gpu1', 'ssh: connect to host gpu1.lab port 22: Connection refused');
        return { ok: false, detail: 'exit status 1' };
      },
      silentFor: async () => undefined,
      treeRss: async () => new Map(),
    };
    logDir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-health-'));
    monitor = new HealthMonitor({ checks, logDir, events, env: process.env, onUnhealthy: () => (verdicts += 1), onChange: () => {} });
    const s = spec({ kind: 'command', command: { kind: 'argv', argv: ['false'] }, intervalSeconds: 0.05, timeoutSeconds: 2, failureThreshold: 1 });
    const { desired, observed } = state(s);
    monitor.sync(desired, observed);
    const deadline = Date.now() + 10_000;
    while (runs < 5 && Date.now() < deadline) await sleep(20);
    expect(runs).toBeGreaterThanOrEqual(5);
    expect(verdicts).toBe(0);
    expect(monitor.verdicts().size).toBe(0);
    expect(events.events.filter((e) => e.event === 'health-failed')).toEqual([]);
    expect(events.events.filter((e) => e.event === 'health-unknown').map((e) => e.reason)).toEqual([
      'not checked: gpu1: ssh: connect to host gpu1.lab port 22: Connection refused',
    ]);
    reachable = true;
    while (verdicts === 0 && Date.now() < deadline) await sleep(20);
    expect(monitor.verdicts().get('hc')?.detail).toBe('health check failed (1 consecutive failure, last: exit status 1)');
  });
});
