/**
 * Hostile tests of issue 11 (notifications, restart limits, dependencies, memory limits, the
 * service): each one a fault found by trying to break the feature, failing before its fix. Real tmux
 * on this file's private server; HTTP only on 127.0.0.1; systemd never asked (only `--print`).
 */
import { describe, expect, it } from 'vitest';
import { LONG_RUNNING, quickSession, specDoc, useTmuxServer } from '../helpers/tmux.js';

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
