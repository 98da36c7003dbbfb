import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type FakeHttp, type FakeRequest, startFakeHttp } from '../helpers/fake-http.js';
import { allCmdlines, exitOnceShown, LONG_RUNNING, quickSession, readIfExists, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, livePid, readEvents, startWatch, timeUntil } from '../helpers/watch.js';

const t = useTmuxServer();

/** The contract watch-restart tests hold: a dead pane is repaired within this long. */
const BOUND_MS = 2000;

const TG_TOKEN = `123456:TGSECRET-${process.pid}`;
const HOOK_TOKEN = `HOOKSECRET-${process.pid}`;
const HOOK_PATH = `PATHSECRET-${process.pid}`;

/** A spec folder with a notify.env beside the spec; returns the spec's path. */
function writeNotifySpec(dir: string, fake: FakeHttp, sessions: Record<string, unknown>, notify?: unknown[]): string {
  t.writeSpec(`${dir}/notify.env`, `TG_TOKEN=${TG_TOKEN}\nTG_CHAT=4242\nHOOK_TOKEN=${HOOK_TOKEN}\nHOOK_PATH=${HOOK_PATH}\n`);
  return t.writeSpec(`${dir}/app.yaml`, {
    version: 1,
    envFile: 'notify.env',
    notify: notify ?? [
      { telegram: { botTokenEnv: 'TG_TOKEN', chatIdEnv: 'TG_CHAT', apiBase: `${fake.base}/tg` }, on: ['start-failed', 'crash-loop', 'recovered'] },
      {
        webhook: { url: `${fake.base}/hook/\${HOOK_PATH}`, headers: { Authorization: 'Bearer ${HOOK_TOKEN}' } },
        on: ['start-failed', 'crash-loop', 'recovered'],
      },
    ],
    sessions,
  });
}

const hookEvents = (fake: FakeHttp, target: string) =>
  fake.requests.filter((r) => r.path.startsWith('/hook/') && r.body.target === target).map((r) => r.body.event as string);
const telegramTexts = (fake: FakeHttp) => fake.requests.filter((r) => r.path.startsWith('/tg/')).map((r) => String(r.body.text));

/** Exits at once, after one line of output: a monitor whose module path moved. */
const BROKEN = ['sh', '-c', `echo "ModuleNotFoundError: no module named monitor"; ${exitOnceShown('ModuleNotFoundError: no module named monitor', 3)}`];
const FAST_BACKOFF = { initialSeconds: 1, maxSeconds: 1, resetAfterSeconds: 2 };

describe('notifications from watch', () => {
  it('a command that exits at start: exactly one start-failed, then one crash-loop; fixing the command: recovered', async () => {
    const fake = await startFakeHttp();
    const sessions = { 'nf-loop': quickSession(BROKEN, { startSeconds: 1, backoff: FAST_BACKOFF }) };
    const file = writeNotifySpec('loop', fake, sessions);
    await startWatch(t, { args: ['-f', file, '--resync', '1'] });
    await waitFor(() => hookEvents(fake, 'nf-loop').includes('crash-loop'), 15_000, 'crash-loop sent');
    // The loop goes on: two more deaths, and nothing more is sent for them.
    const deaths = eventsOf(t, 'exit', 'nf-loop').length;
    await waitFor(() => eventsOf(t, 'exit', 'nf-loop').length >= deaths + 2, 10_000, 'two more deaths');
    expect(hookEvents(fake, 'nf-loop')).toEqual(['start-failed', 'crash-loop']);

    const [failed, loop] = fake.requests.filter((r) => r.path.startsWith('/hook/'));
    expect(failed!.path).toBe(`/hook/${HOOK_PATH}`);
    expect(failed!.headers.authorization).toBe(`Bearer ${HOOK_TOKEN}`);
    expect(failed!.body).toMatchObject({ event: 'start-failed', target: 'nf-loop', reason: expect.stringContaining('exited with status 3') });
    expect(failed!.body.host).toEqual(expect.any(String));
    expect(failed!.body.lines).toEqual(expect.arrayContaining([expect.stringContaining('ModuleNotFoundError')]));
    expect(loop!.body).toMatchObject({ event: 'crash-loop', folded: '... and 1 more crash' });
    const texts = telegramTexts(fake);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('tmuxctl: crash-loop nf-loop');
    expect(fake.requests.find((r) => r.path.startsWith('/tg/'))!).toMatchObject({ path: `/tg/bot${TG_TOKEN}/sendMessage`, body: { chat_id: '4242' } });

    writeNotifySpec('loop', fake, { 'nf-loop': quickSession(LONG_RUNNING, { startSeconds: 1, backoff: FAST_BACKOFF }) });
    await waitFor(() => hookEvents(fake, 'nf-loop').includes('recovered'), 15_000, 'recovered sent');
    expect(hookEvents(fake, 'nf-loop')).toEqual(['start-failed', 'crash-loop', 'recovered']);
    // Logged once the sender has the answer, which may be a moment after the fake server saw the request.
    await waitFor(() => eventsOf(t, 'notify-sent', 'nf-loop').length >= 6, 5000, 'six notify-sent events');
    expect(eventsOf(t, 'notify-sent', 'nf-loop').length).toBe(6);
  });

  it('a webhook that never answers does not delay the restart of another session', async () => {
    const fake = await startFakeHttp();
    fake.hang.add('/hook/');
    const sessions = {
      'nf-flaky': quickSession(BROKEN, { startSeconds: 1, backoff: FAST_BACKOFF }),
      'nf-steady': quickSession(LONG_RUNNING),
    };
    const file = writeNotifySpec('hung', fake, sessions, [{ webhook: { url: `${fake.base}/hook/x` } }]);
    await startWatch(t, { args: ['-f', file] });
    await waitFor(() => fake.requests.length >= 1, 10_000, 'the hung webhook called');
    for (let round = 1; round <= 2; round++) {
      const victim = await waitFor(() => livePid(t, 'nf-steady'), 5000, 'nf-steady running');
      const since = Date.now();
      process.kill(victim, 'SIGKILL');
      const r = await timeUntil(
        since,
        async () => {
          const pid = await livePid(t, 'nf-steady');
          return pid !== undefined && pid !== victim ? pid : undefined;
        },
        `nf-steady restarted (round ${round})`,
      );
      expect(r.ms).toBeLessThan(BOUND_MS);
    }
    // Every request so far is still held: the restarts above happened while they hung.
    expect(fake.requests.length).toBeGreaterThanOrEqual(1);
    expect(eventsOf(t, 'notify-sent', 'nf-flaky')).toEqual([]);
  });

  it('no token, header value or url secret in any argv while sending, nor in events.log or the console; command gets the payload in env and stdin', async () => {
    const fake = await startFakeHttp();
    fake.hang.add('/tg/');
    fake.hang.add('/hook/');
    const out = t.writeFile('secrets/command-out', '');
    const sessions = { 'nf-sec': quickSession(BROKEN, { startSeconds: 1, backoff: { initialSeconds: 5, maxSeconds: 5, resetAfterSeconds: 60 } }) };
    const file = writeNotifySpec('secrets', fake, sessions, [
      { telegram: { botTokenEnv: 'TG_TOKEN', chatIdEnv: 'TG_CHAT', apiBase: `${fake.base}/tg` } },
      { webhook: { url: `${fake.base}/hook/\${HOOK_PATH}`, headers: { Authorization: 'Bearer ${HOOK_TOKEN}' } } },
      { command: ['sh', '-c', `cat > '${out}.stdin'; env | grep '^TMUXCTL_' | sort > '${out}.env'; sleep 3`] },
    ]);
    const w = await startWatch(t, { args: ['-f', file] });
    await waitFor(() => fake.requests.length >= 2 && readIfExists(`${out}.env`)?.includes('TMUXCTL_EVENT'), 10_000, 'every channel sending');
    // Both requests are held and the command is running: look at every process's argv now.
    const leaks = allCmdlines().filter(({ argv }) => argv.some((a) => a.includes(TG_TOKEN) || a.includes(HOOK_TOKEN) || a.includes(HOOK_PATH)));
    expect(leaks).toEqual([]);
    const env = readFileSync(`${out}.env`, 'utf8');
    expect(env).toContain('TMUXCTL_EVENT=start-failed');
    expect(env).toContain('TMUXCTL_TARGET=nf-sec');
    expect(env).toMatch(/TMUXCTL_REASON=exited with status 3/);
    expect(env).toMatch(/TMUXCTL_HOST=.+/);
    expect(env).toMatch(/TMUXCTL_TIME=\d{4}-/);
    expect(env).toContain('TMUXCTL_RESTARTS=0');
    await waitFor(() => readIfExists(`${out}.stdin`)?.includes('ModuleNotFoundError'), 5000, 'output lines on stdin');
    // Held requests and a running command do not hold watch's exit (a hang would show here).
    const stopped = await w.stop();
    expect(stopped).toMatchObject({ code: 0 });
    expect(stopped.ms).toBeLessThan(3000);
    const logged = readIfExists(`${t.stateDir}/events.log`) ?? '';
    for (const secret of [TG_TOKEN, HOOK_TOKEN, HOOK_PATH]) {
      expect(logged).not.toContain(secret);
      expect(w.stderr()).not.toContain(secret);
    }
    expect(readEvents(t).some((e) => e.event === 'watch-stopping')).toBe(true);
  });
});

describe('notifications from apply, and notify test', () => {
  it('apply sends start-failed when its verify sees the start fail', async () => {
    const fake = await startFakeHttp();
    const file = writeNotifySpec('apply', fake, { 'nf-apply': quickSession(BROKEN, { startSeconds: 1 }) });
    const r = await t.tmuxctl(['apply', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(3);
    // Sent before apply exited.
    expect(hookEvents(fake, 'nf-apply')).toEqual(['start-failed']);
    expect(telegramTexts(fake)).toHaveLength(1);
  });

  it('notify test reports each channel, names no secret, exits 3 when one fails', async () => {
    const fake = await startFakeHttp();
    fake.status.set('/hook/', 500);
    const file = writeNotifySpec('test-cmd', fake, { 'nf-test': quickSession(LONG_RUNNING) });
    const r = await t.tmuxctl(['notify', 'test', '-f', file]);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^ok +telegram \(.*app\.yaml notify\[0\]\)$/),
      expect.stringMatching(/^failed +webhook \(.*app\.yaml notify\[1\]\): HTTP 500$/),
    ]);
    const tg = fake.requests.find((r2: FakeRequest) => r2.path.startsWith('/tg/'))!;
    expect(tg.body).toMatchObject({ chat_id: '4242', text: expect.stringContaining('tmuxctl: test nf-test') });
    for (const secret of [TG_TOKEN, HOOK_TOKEN, HOOK_PATH]) expect(r.stdout + r.stderr).not.toContain(secret);

    fake.status.clear();
    const ok = await t.tmuxctl(['notify', 'test', '-f', file]);
    expect(ok.exitCode, ok.stdout).toBe(0);
  });
});
