import { describe, expect, it } from 'vitest';
import { LONG_RUNNING, quickSession, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, startWatch } from '../helpers/watch.js';

const t = useTmuxServer();

const at = (e: Record<string, unknown>) => Date.parse(String(e.timestamp));

describe('healthCheck.startPeriodSeconds', () => {
  it('failures during the start period after a start are not counted', async () => {
    const file = t.writeSpec(
      'start-period/app.yaml',
      specDoc({
        slow: quickSession(LONG_RUNNING, {
          backoff: { initialSeconds: 60, maxSeconds: 60, resetAfterSeconds: 600 },
          healthCheck: { command: 'false', intervalSeconds: 0.2, timeoutSeconds: 2, failureThreshold: 1, startPeriodSeconds: 1.5 },
        }),
      }),
    );
    await startWatch(t, { args: ['-f', file] });
    const failed = await waitFor(() => eventsOf(t, 'health-failed', 'slow')[0], 10_000, 'a counted failure');
    // The create event is written before the pane starts: the start period is measured from a later time still.
    const created = at(eventsOf(t, 'create', 'slow')[0]!);
    expect(at(failed) - created).toBeGreaterThanOrEqual(1500);
    expect(failed.failures).toBe(1);
  });
});
