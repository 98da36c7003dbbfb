/**
 * Hostile tests of issue 11 (notifications, restart limits, dependencies, memory limits, the
 * service): each one a fault found by trying to break the feature, failing before its fix. Real tmux
 * on this file's private server; HTTP only on 127.0.0.1; systemd never asked (only `--print`).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive, killOwned, LONG_RUNNING, quickSession, readIfExists, specDoc, useTmuxServer, waitFor } from '../helpers/tmux.js';
import { eventsOf, startWatch } from '../helpers/watch.js';
import { startFakeHttp } from '../helpers/fake-http.js';

const t = useTmuxServer();

const TOKEN = `4242:H11SECRET-${process.pid}`;

describe('service install validates the specs as the unit will load them', () => {
  const notifySpec = (dir: string, envFile?: string) =>
    t.writeSpec(`${dir}/ops.yaml`, {
      version: 1,
      ...(envFile !== undefined && { envFile }),
      notify: [{ telegram: { botTokenEnv: 'H11_TOKEN', chatIdEnv: 'H11_CHAT' } }],
      sessions: { 'h11-svc': quickSession(['sleep', '1000']) },
    });

  it('refuses (exit 2, nothing printed) a bot token only the installing shell exports: the unit does not carry it, so watch would fail at every start', async () => {
    const file = notifySpec('svc-shell');
    const shell = { H11_TOKEN: TOKEN, H11_CHAT: '77' };
    // What the unit's watch sees: no H11_TOKEN. It refuses the specs.
    const inUnit = await t.tmuxctl(['validate', '-f', file]);
    expect(inUnit.exitCode).toBe(2);
    const r = await t.tmuxctl(['service', 'install', '-f', file, '--print'], { env: shell });
    expect(r.exitCode, r.stdout).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/ops\.yaml:\d+:\d+: notify\[0\]\.telegram\.botTokenEnv names H11_TOKEN, which is not set/);
    expect(r.stderr).toContain('envFile');
    expect(r.stderr).not.toContain(TOKEN);
  });

  it('installs the same specs when the token is in their envFile, which the unit reads; the token is not in the unit', async () => {
    t.writeSpec('svc-file/notify.env', `H11_TOKEN=${TOKEN}\nH11_CHAT=77\n`);
    const file = notifySpec('svc-file', 'notify.env');
    const r = await t.tmuxctl(['service', 'install', '-f', file, '--print'], { env: { H11_TOKEN: undefined, H11_CHAT: undefined } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('ExecStart=');
    expect(r.stdout).not.toContain(TOKEN);
  });
});

describe('apply --wait-timeout bounds the whole wait', () => {
  it('a health check that hangs longer than --wait-timeout does not hold apply past it (exit 3, soon after the timeout)', async () => {
    const file = t.writeSpec(
      'wait-hang/app.yaml',
      specDoc({
        // Its check never answers, and may take a minute to be called failed: the wait is 1 s.
        'wh-db': quickSession(LONG_RUNNING, { healthCheck: { command: ['sleep', '1000'], timeoutSeconds: 60, intervalSeconds: 1 } }),
        'wh-web': quickSession(LONG_RUNNING, { dependsOn: { 'wh-db': 'healthy' } }),
      }),
    );
    const r = await t.tmuxctl(['apply', '-f', file, '--wait-timeout', '1'], { timeoutMs: 90_000 });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toBe('tmuxctl: gave up after 1s (--wait-timeout) waiting for dependencies: wh-web (waiting for wh-db to be healthy)\n');
    // A hang detector, not a speed test: without the bound it takes the check's 60 s.
    expect(r.durationMs).toBeLessThan(30_000);
    expect(await t.pane('wh-web')).toBeUndefined();
  }, 120_000);
});

describe('service install never shadows a unit someone else installed', () => {
  // A fake systemctl first on PATH (the real user manager is never asked), a unit dir of the test's
  // own, and SYSTEMD_UNIT_PATH (systemd's own variable for its search path) naming a vendor dir here.
  const fakeBin = t.path('svc-fake-bin');
  const unitDir = t.path('svc-units');
  const vendorDir = t.path('svc-vendor-units');
  const callLog = t.path('svc-systemctl-calls.log');
  mkdirSync(fakeBin, { recursive: true });
  writeFileSync(
    path.join(fakeBin, 'systemctl'),
    '#!/bin/sh\necho "$*" >> "$FAKE_SYSTEMCTL_LOG"\n[ "$*" = "--user show --property=Version" ] && echo Version=252\nexit 0\n',
  );
  chmodSync(path.join(fakeBin, 'systemctl'), 0o755);
  const env = {
    PATH: `${fakeBin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    TMUXCTL_SYSTEMD_USER_DIR: unitDir,
    SYSTEMD_UNIT_PATH: `${unitDir}:${vendorDir}`,
    XDG_RUNTIME_DIR: t.path('svc-runtime'),
    DBUS_SESSION_BUS_ADDRESS: undefined,
    FAKE_SYSTEMCTL_LOG: callLog,
  };

  it('refuses (exit 3) a --name that a vendor unit already has: writes no override, enables and restarts nothing', async () => {
    const vendor = '[Service]\nExecStart=/usr/bin/dbus-daemon --session\n';
    mkdirSync(vendorDir, { recursive: true });
    writeFileSync(path.join(vendorDir, 'h11bus.service'), vendor);
    const file = t.writeSpec('svc-vendor/ops.yaml', specDoc({ 'h11-vendor': quickSession(['sleep', '1000']) }));
    const r = await t.tmuxctl(['service', 'install', '-f', file, '--name', 'h11bus'], { env });
    expect(r.exitCode, r.stdout).toBe(3);
    expect(r.stderr).toContain(`${path.join(vendorDir, 'h11bus.service')}`);
    expect(r.stderr).toMatch(/not written by tmuxctl/);
    expect(existsSync(path.join(unitDir, 'h11bus.service'))).toBe(false);
    expect(readFileSync(path.join(vendorDir, 'h11bus.service'), 'utf8')).toBe(vendor);
    const calls = (existsSync(callLog) ? readFileSync(callLog, 'utf8') : '').split('\n').filter(Boolean);
    expect(calls.filter((c) => !c.startsWith('--user show'))).toEqual([]);
  });

  it('installs a name no other unit dir holds', async () => {
    const file = t.writeSpec('svc-free/ops.yaml', specDoc({ 'h11-free': quickSession(['sleep', '1000']) }));
    const r = await t.tmuxctl(['service', 'install', '-f', file, '--name', 'h11free'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(path.join(unitDir, 'h11free.service'))).toBe(true);
  });
});

describe('a command channel that never exits', () => {
  it('is ended when watch stops: no notify command outlives watch', async () => {
    const pidFile = t.path('hung-notifier.pid');
    // A duration of its own, so that the clean-up kills only this sleep (exec keeps the pid, not the shell's argv).
    const marker = `${1000 + (process.pid % 1000)}.25`;
    // The channel writes its pid and then never exits (its own process group, as outbox runs it).
    const file = t.writeSpec('hung-cmd/app.yaml', {
      version: 1,
      notify: [{ command: ['sh', '-c', `echo $$ > '${pidFile}'; exec sleep ${marker}`], on: ['start-failed'] }],
      sessions: { 'hc-broken': quickSession(['sh', '-c', 'exit 3'], { startSeconds: 1, backoff: { initialSeconds: 60, maxSeconds: 60 } }) },
    });
    const w = await startWatch(t, { args: ['-f', file, '--resync', '1'] });
    const pid = Number(await waitFor(() => readIfExists(pidFile)?.trim(), 15_000, 'the notify command to start'));
    try {
      expect(isProcessAlive(pid)).toBe(true);
      const exit = await w.stop('SIGTERM');
      expect(exit.code).toBe(0);
      // watch is gone; its hung notifier must be gone too (nothing else would ever end it).
      await waitFor(() => !isProcessAlive(pid), 5000, 'the hung notify command to be ended');
    } finally {
      killOwned([pid], marker);
    }
  }, 60_000);
});

describe('apply ends the wait at once for a dependency that stays down', () => {
  it('healthy: a dependency that died before it was healthy, kept down by its restart policy, ends the wait at once (exit 3, saying why)', async () => {
    const file = t.writeSpec(
      'down/app.yaml',
      specDoc({
        // Passes its start (1 s), never its check, then dies; restart: never keeps it down: only a person can start it.
        'dn-db': quickSession(['sh', '-c', 'sleep 1.5; exit 1'], {
          restart: 'never',
          startSeconds: 1,
          healthCheck: { command: ['false'], intervalSeconds: 1 },
        }),
        'dn-web': quickSession(LONG_RUNNING, { dependsOn: { 'dn-db': 'healthy' }, startSeconds: 1 }),
      }),
    );
    const r = await t.tmuxctl(['apply', '-f', file, '--wait-timeout', '40'], { timeoutMs: 90_000 });
    expect(r.exitCode, r.stdout).toBe(3);
    expect(r.stderr).toBe('tmuxctl: dn-web (waiting for dn-db to be healthy) cannot start: dn-db exited with status 1, and restart: never keeps it down\n');
    expect(await t.pane('dn-web')).toBeUndefined();
  }, 120_000);
});

describe('a dependency that tmuxctl gave up on', () => {
  it('apply names it failed (maxRestarts), not stopped', async () => {
    const file = t.writeSpec(
      'gave-up-dep/app.yaml',
      specDoc({
        'gd-job': quickSession(['sh', '-c', 'exit 4'], { startSeconds: 0.5, maxRestarts: { count: 1, withinSeconds: 600 } }),
        'gd-web': quickSession(LONG_RUNNING, { dependsOn: { 'gd-job': 'started' } }),
      }),
    );
    // Each apply restarts the dead job once more, until its limit: then it is left `failed`.
    await waitFor(
      async () => {
        await t.tmuxctl(['apply', '-f', file, '--wait-timeout', '0']);
        return (await t.pane('gd-job'))?.stamp.includes('o=failed');
      },
      30_000,
      'gd-job to be failed',
      100,
    );
    const r = await t.tmuxctl(['apply', '-f', file, '--wait-timeout', '30']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      'tmuxctl: gd-web (waiting for gd-job to start) cannot start: gd-job is failed, given up on after maxRestarts (tmuxctl start gd-job starts it)\n',
    );
  }, 60_000);
});

describe('a pane given up on where no watch was told', () => {
  it('watch tells gave-up once for a pane it finds failed (an apply gave up on it), through the channel', async () => {
    const fake = await startFakeHttp();
    const file = t.writeSpec('failed-by-apply/app.yaml', {
      version: 1,
      notify: [{ webhook: { url: `${fake.base}/hook` }, on: ['gave-up'] }],
      sessions: {
        'fa-job': quickSession(['sh', '-c', 'exit 4'], { startSeconds: 0.5, maxRestarts: { count: 1, withinSeconds: 600 } }),
        // Ends every second and is restarted: its restarts show that watch's passes go on.
        'fa-tick': quickSession(['sh', '-c', 'sleep 1; exit 0'], {
          startSeconds: 0.5,
          backoff: { initialSeconds: 0.1, maxSeconds: 0.2, resetAfterSeconds: 600 },
        }),
      },
    });
    // apply restarts the dead job once, then gives up: apply tells only start-failed.
    await waitFor(
      async () => {
        await t.tmuxctl(['apply', '-f', file]);
        return (await t.pane('fa-job'))?.stamp.includes('o=failed');
      },
      30_000,
      'fa-job to be failed',
      100,
    );
    expect(fake.requests).toEqual([]);
    const w = await startWatch(t, { args: ['-f', file, '--resync', '0.5'] });
    await waitFor(() => fake.requests.length > 0, 10_000, 'gave-up to be told');
    // Later passes see the same failed pane: told once.
    const before = eventsOf(t, 'restart', 'fa-tick').length;
    await waitFor(() => eventsOf(t, 'restart', 'fa-tick').length >= before + 2, 15_000, 'two more passes that restart fa-tick');
    await w.stop('SIGTERM');
    expect(fake.requests.map((r) => [r.body.event, r.body.target])).toEqual([['gave-up', 'fa-job']]);
    expect(String(fake.requests[0]!.body.reason)).toMatch(/maxRestarts/);
  }, 60_000);
});
