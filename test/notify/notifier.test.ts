import { describe, expect, it } from 'vitest';
import type { EventLog, TmuxctlEvent } from '../../src/log/events.js';
import { createNotifier } from '../../src/notify/notifier.js';
import type { Transport } from '../../src/notify/send.js';
import type { Notification } from '../../src/notify/types.js';
import { desired, NOW, spec } from '../helpers/model.js';
import { COMMAND_CHANNEL } from '../helpers/notify.js';
import { waitFor } from '../helpers/tmux.js';

const channel = COMMAND_CHANNEL;

function setUp(only?: ReadonlySet<'start-failed'>) {
  const recorded: TmuxctlEvent[] = [];
  const inner: EventLog = { record: (e) => recorded.push(e), close: async () => {} };
  const sent: Notification[] = [];
  const send: Transport = async (_c, n) => {
    sent.push(n);
  };
  const app = { ...spec('app'), notify: [channel] };
  const notifier = createNotifier({
    events: inner,
    desired: desired([app, spec('quiet')]),
    logDir: '/nonexistent',
    env: {},
    send,
    now: () => NOW,
    host: 'box',
    only,
  });
  return { notifier, recorded, sent };
}

describe('notifier: the EventLog tee', () => {
  it('gave-up (recorded by the restart limits) is sent once, and recorded as it was', async () => {
    // The lead's restart limits record this event; it is not in this tree yet, so it is fed as recorded.
    const { notifier, recorded, sent } = setUp();
    notifier.events.record({ event: 'gave-up', session: 'app', reason: 'restarted 5 times within 300s' }, 'error');
    notifier.events.record({ event: 'gave-up', session: 'app', reason: 'restarted 5 times within 300s' }, 'error');
    expect(recorded[0]).toEqual({ event: 'gave-up', session: 'app', reason: 'restarted 5 times within 300s' });
    await waitFor(() => recorded.some((e) => e.event === 'notify-sent'), 2000, 'sent');
    expect(sent.map((n) => [n.event, n.target, n.host, n.reason])).toEqual([['gave-up', 'app', 'box', 'restarted 5 times within 300s']]);
    expect(recorded.at(-1)).toMatchObject({ event: 'notify-sent', session: 'app', reason: 'gave-up via command (app.yaml notify[0])' });
  });

  it('a session without channels sends nothing; apply sends only start-failed', async () => {
    const { notifier, sent } = setUp(new Set(['start-failed']));
    notifier.events.record({ event: 'start-failed', session: 'quiet', reason: 'exited with status 1' });
    notifier.events.record({ event: 'gave-up', session: 'app', reason: 'limit' });
    notifier.events.record({ event: 'start-failed', session: 'app', reason: 'exited with status 1' });
    await notifier.drain(2000);
    expect(sent.map((n) => [n.event, n.target])).toEqual([['start-failed', 'app']]);
  });
});
