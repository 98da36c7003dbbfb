import { describe, expect, it } from 'vitest';
import { allCmdlines, LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, livePid, startWatch, statusOf, timeUntil } from '../helpers/watch.js';

const t = useTmuxServer();

const at = (e: Record<string, unknown>) => Date.parse(String(e.timestamp));
const BACKOFF_1S = { initialSeconds: 1, maxSeconds: 60, resetAfterSeconds: 600 };

describe('health checks under watch', () => {
  it('a failing command check restarts the session after failureThreshold failures, under backoff, and status shows it', async () => {
    const file = t.writeSpec(
      'failing/app.yaml',
      specDoc({
        sick: quickSession(LONG_RUNNING, {
          backoff: BACKOFF_1S,
          healthCheck: { command: 'false', intervalSeconds: 0.3, timeoutSeconds: 1, failureThreshold: 2 },
        }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    const first = await waitFor(() => livePid(t, 'sick'), 5000, 'sick created');
    const created = Date.now();
    const sessionId = (await t.pane('sick'))!.sessionId;

    // Two failed checks (0.3 s apart) make it unhealthy; the first such restart is immediate.
    const r = await timeUntil(
      created,
      async () => {
        const pid = await livePid(t, 'sick');
        return pid !== undefined && pid !== first ? pid : undefined;
      },
      'sick restarted for its health',
    );
    expect(r.ms).toBeLessThan(2000);
    expect((await t.pane('sick'))!.sessionId).toBe(sessionId);

    const failed = eventsOf(t, 'health-failed', 'sick');
    expect(failed.slice(0, 2).map((e) => [e.reason, e.failures])).toEqual([
      ['exit status 1', 1],
      ['exit status 1', 2],
    ]);
    expect(eventsOf(t, 'restart', 'sick')[0]!.reason).toBe('health check failed (2 consecutive failures, last: exit status 1)');

    // It stays sick: the next restart waits initialSeconds after the verdict, not the 0.6 s of two checks.
    await waitFor(() => eventsOf(t, 'restart', 'sick').length >= 2, 8000, 'a second restart');
    const restarts = eventsOf(t, 'restart', 'sick').map(at);
    expect(restarts[1]! - restarts[0]!).toBeGreaterThanOrEqual(1000 + 600 - 150); // two checks, then 1 s backoff
    expect(restarts[1]! - restarts[0]!).toBeLessThan(3000);

    const s = await statusOf(t, ['-f', file], 'sick');
    expect(s.restarts).toBeGreaterThanOrEqual(2);
    expect(s.health).toMatch(/^(starting|unhealthy: \d consecutive failures?, last: exit status 1)$/);
    await waitFor(
      // Any count: status measures CPU over a second, so a poll lands on one failure count of a run
      // in ~1.3 s steps and the 0.3 s during which the count is exactly 2 slips between them.
      async () => /^unhealthy: \d+ consecutive failures/.test((await statusOf(t, ['-f', file], 'sick')).health ?? ''),
      15_000,
      'status to show unhealthy',
    );
    const text = await t.tmuxctl(['status', '-f', file]);
    const [header, row] = text.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual([
      'NAME',
      'STATE',
      'PID',
      'UPTIME',
      'RESTARTS',
      'LAST EXIT',
      'HEALTH',
      'CPU',
      'MEM',
      'ATTACHED',
      'WINDOW',
      'PANE',
      'SOURCE',
    ]);
    expect(row).toMatch(/^sick\s+running\s+\d+\s+\S+\s+\d+\s+\S+\s+(unhealthy|starting)\s+\S+%\s+\S+\s+0\s+sick\s+0\s+specs\/failing\/app\.yaml$/);
  });

  it('a passing check keeps the session as it is and status says healthy', async () => {
    const file = t.writeSpec(
      'passing/app.yaml',
      specDoc({
        well: quickSession(LONG_RUNNING, { healthCheck: { command: ['sh', '-c', 'test -n "$HOME"'], intervalSeconds: 0.3, failureThreshold: 1 } }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    const pid = await waitFor(() => livePid(t, 'well'), 5000, 'well created');
    await waitFor(async () => (await statusOf(t, ['-f', file], 'well')).health === 'healthy', 15_000, 'status to show healthy');
    await new Promise((r) => setTimeout(r, 1000)); // three more checks: nothing may happen
    expect(await livePid(t, 'well')).toBe(pid);
    expect(eventsOf(t, 'health-failed', 'well')).toEqual([]);
    const text = await t.tmuxctl(['status', '-f', file, 'well']);
    expect(text.stdout.trimEnd().split('\n')[1]).toMatch(/\shealthy\s+\S+%\s+\S+\s+\d+\s+well\s+0\s+specs\/passing\/app\.yaml$/);
  });

  it('a check that outlives timeoutSeconds fails, and its whole process group is killed', async () => {
    const marker = `7${Math.floor(Math.random() * 1e6)}.5`; // an unusual sleep argument to find leftovers by
    const file = t.writeSpec(
      'timeout/app.yaml',
      specDoc({
        slowcheck: quickSession(LONG_RUNNING, {
          backoff: BACKOFF_1S,
          healthCheck: { command: `sleep ${marker}; true`, intervalSeconds: 0.5, timeoutSeconds: 0.3, failureThreshold: 1 },
        }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    const first = await waitFor(() => livePid(t, 'slowcheck'), 5000, 'slowcheck created');
    await waitFor(
      async () => {
        const pid = await livePid(t, 'slowcheck');
        return pid !== undefined && pid !== first;
      },
      5000,
      'slowcheck restarted for a timed-out check',
    );
    expect(eventsOf(t, 'health-failed', 'slowcheck')[0]!.reason).toBe('timed out after 0.3s');
    await waitFor(() => !allCmdlines().some((p) => p.argv.includes(marker)), 2000, 'no check left running after its timeout');
  });

  it('an output check restarts a session silent for outputWithinSeconds, and leaves a chatty one alone', async () => {
    const file = t.writeSpec(
      'output/app.yaml',
      specDoc({
        quiet: quickSession('echo started; exec sleep 100000', { backoff: BACKOFF_1S, healthCheck: { outputWithinSeconds: 1, intervalSeconds: 0.25 } }),
        chatty: quickSession('while :; do echo tick; sleep 0.2; done', { healthCheck: { outputWithinSeconds: 1, intervalSeconds: 0.25 } }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    const quiet = await waitFor(() => livePid(t, 'quiet'), 5000, 'quiet created');
    const chatty = await waitFor(() => livePid(t, 'chatty'), 5000, 'chatty created');
    const since = Date.now();

    const r = await timeUntil(
      since,
      async () => {
        const pid = await livePid(t, 'quiet');
        return pid !== undefined && pid !== quiet ? pid : undefined;
      },
      'quiet restarted after a second of silence',
    );
    expect(r.ms).toBeGreaterThanOrEqual(800);
    expect(r.ms).toBeLessThan(2500);
    expect(eventsOf(t, 'health-failed', 'quiet')[0]!.reason).toMatch(/^no output for \ds$/);
    expect(eventsOf(t, 'restart', 'quiet')[0]!.reason).toMatch(/^health check failed \(1 consecutive failure, last: no output for \ds\)$/);

    await waitFor(() => Date.now() - since > 2500, 5000, 'time to pass');
    expect(await livePid(t, 'chatty')).toBe(chatty);
    expect(eventsOf(t, 'health-failed', 'chatty')).toEqual([]);
    expect((await statusOf(t, ['-f', file], 'chatty')).health).toBe('healthy');
  });

  it('SIGTERM while checks are running: exit 0 within a second, no write-after-close warnings', async () => {
    const file = t.writeSpec(
      'stopping/app.yaml',
      specDoc({
        busy: quickSession(LONG_RUNNING, { healthCheck: { command: 'sleep 0.2', intervalSeconds: 0.1, timeoutSeconds: 1, failureThreshold: 3 } }),
      }),
    );
    const w = await startWatch(t, { args: ['-f', file] });
    const pid = await waitFor(() => livePid(t, 'busy'), 5000, 'busy created');
    await waitFor(async () => (await statusOf(t, ['-f', file], 'busy')).health === 'healthy', 15_000, 'checks running');
    const exit = await w.stop('SIGTERM');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(1000);
    expect(w.stderr()).not.toMatch(/warning|internal error/);
    expect(await livePid(t, 'busy')).toBe(pid);
  });
});
