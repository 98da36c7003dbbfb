import { describe, expect, it } from 'vitest';
import type { MachineFiles } from '../../src/host/files.js';
import type { EventLog, TmuxctlEvent } from '../../src/log/events.js';
import { createNotifier } from '../../src/notify/notifier.js';
import type { Transport } from '../../src/notify/send.js';
import type { Notification } from '../../src/notify/types.js';
import { desired, NOW, spec } from '../helpers/model.js';
import { COMMAND_CHANNEL } from '../helpers/notify.js';
import { waitFor } from '../helpers/tmux.js';

const channel = COMMAND_CHANNEL;

const log = (into: TmuxctlEvent[]): EventLog => ({ record: (e) => into.push(e), close: async () => {} });

/** A host's log files, answering readLogs as `answer` says. */
function hostFiles(answer: (targets: readonly string[]) => Promise<Map<string, string[]>>): Pick<MachineFiles, 'readLogs'> & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    readLogs: (_dir, targets) => {
      asked.push(...targets);
      return answer(targets);
    },
  };
}

function setUp() {
  const recorded: TmuxctlEvent[] = [];
  const sent: Notification[] = [];
  const send: Transport = async (_c, n) => {
    sent.push(n);
  };
  const app = { ...spec('app'), notify: [channel] };
  const notifier = createNotifier({
    events: log(recorded),
    desired: desired([app]),
    logDir: '/nonexistent',
    env: {},
    send,
    now: () => NOW,
    host: 'box',
    hostLinesMs: 300,
  });
  return { notifier, recorded, sent, app };
}

const gaveUp: TmuxctlEvent = { event: 'gave-up', session: 'app', reason: 'restarted 5 times within 300s' };

describe('notifier: a host watcher feeds it', () => {
  it("a host's event is sent naming host/session, with the lines of that host's log; recorded in the host's log", async () => {
    const { notifier, recorded, sent, app } = setUp();
    const onHost: TmuxctlEvent[] = [];
    const files = hostFiles(async (targets) => new Map(targets.map((t) => [t, ['\u001b[31mTraceback\u001b[0m', 'fatal: on gpu1']])));
    const gpu1 = notifier.forHost({ host: 'gpu1', events: log(onHost), desired: desired([app]), files, logDir: '/home/u/.local/state/tmuxctl/logs/x' });
    gpu1.events.record(gaveUp, 'error');
    await notifier.drain(2000);
    expect(sent.map((n) => [n.event, n.target, n.host, n.lines])).toEqual([['gave-up', 'gpu1/app', 'gpu1', ['Traceback', 'fatal: on gpu1']]]);
    expect(files.asked).toEqual(['app']); // the host's own name for its log
    expect(onHost).toEqual([gaveUp]);
    expect(recorded).toEqual([expect.objectContaining({ event: 'notify-sent', session: 'gpu1/app' })]);
  });

  it('one session on this machine and on two hosts: three targets, each told once, none folded into another', async () => {
    const { notifier, sent, app } = setUp();
    const files = hostFiles(async () => new Map());
    const feeds = [notifier, ...['gpu1', 'gpu2'].map((host) => notifier.forHost({ host, events: log([]), desired: desired([app]), files, logDir: '/l' }))];
    for (const f of feeds) f.events.record(gaveUp, 'error');
    for (const f of feeds) f.events.record(gaveUp, 'error'); // the same state again: nothing more
    await notifier.drain(2000);
    expect(sent.map((n) => [n.target, n.host, n.folded]).sort()).toEqual([
      ['app', 'box', undefined],
      ['gpu1/app', 'gpu1', undefined],
      ['gpu2/app', 'gpu2', undefined],
    ]);
  });

  it('a host that does not answer while the message is prepared: sent without lines after the bound, holding up no other message', async () => {
    const { notifier, sent, app } = setUp();
    const hung = hostFiles(() => new Promise(() => {}));
    const gone = hostFiles(() => Promise.reject(new Error('gpu2: ssh: connect to host gpu2.lab port 22: Connection refused')));
    notifier.forHost({ host: 'gpu1', events: log([]), desired: desired([app]), files: hung, logDir: '/l' }).events.record(gaveUp, 'error');
    notifier.forHost({ host: 'gpu2', events: log([]), desired: desired([app]), files: gone, logDir: '/l' }).events.record(gaveUp, 'error');
    notifier.events.record(gaveUp, 'error');
    // The others are sent while gpu1's read still hangs.
    await waitFor(() => sent.length === 2, 2000, 'the two messages that do not wait for gpu1');
    expect(sent.map((n) => [n.target, n.lines])).toEqual(
      expect.arrayContaining([
        ['gpu2/app', []],
        ['app', []],
      ]),
    );
    await waitFor(() => sent.length === 3, 5000, "gpu1's message, without its lines");
    expect(sent[2]).toMatchObject({ target: 'gpu1/app', lines: [] });
    expect(await notifier.drain(1000)).toBe(true);
  });

  it('a host watched again after a reconnect keeps what was told: the same state is not told twice', async () => {
    const { notifier, sent, app } = setUp();
    const files = hostFiles(async () => new Map());
    notifier.forHost({ host: 'gpu1', events: log([]), desired: desired([app]), files, logDir: '/l' }).events.record(gaveUp, 'error');
    notifier.forHost({ host: 'gpu1', events: log([]), desired: desired([app]), files, logDir: '/l' }).events.record(gaveUp, 'error');
    await notifier.drain(2000);
    expect(sent.map((n) => n.target)).toEqual(['gpu1/app']);
  });
});

describe('notifier: a drain while a host is read', () => {
  it('a message still waiting for its lines when watch stops is not sent after the drain, and says so', async () => {
    const { notifier, recorded, sent, app } = setUp();
    const hung = hostFiles(() => new Promise(() => {}));
    notifier.forHost({ host: 'gpu1', events: log([]), desired: desired([app]), files: hung, logDir: '/l' }).events.record(gaveUp, 'error');
    expect(await notifier.drain(20)).toBe(false);
    await waitFor(() => recorded.some((e) => e.event === 'notify-failed'), 5000, 'the message given up');
    expect(recorded).toEqual([
      expect.objectContaining({ event: 'notify-failed', session: 'gpu1/app', reason: expect.stringContaining('not sent: tmuxctl is stopping') }),
    ]);
    expect(sent).toEqual([]);
  });
});
