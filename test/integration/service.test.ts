/**
 * `tmuxctl service install|uninstall|status` against a fake `systemctl` first on PATH and a unit dir in
 * a temp folder (TMUXCTL_SYSTEMD_USER_DIR): the real user's systemd and crontab are never touched.
 * The fake logs every call (one line of arguments each) and answers as a user manager would, or as
 * one that is not there (`Failed to connect to bus`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cliPath, quickSession, readIfExists, specDoc, useTmuxServer } from '../helpers/tmux.js';

const t = useTmuxServer();

const fakeBin = t.path('fake-bin');
const emptyBin = t.path('empty-bin');
const unitDir = t.path('units');
const callLog = t.path('systemctl-calls.log');
const unitPath = (name = 'tmuxctl') => path.join(unitDir, `${name}.service`);

mkdirSync(fakeBin, { recursive: true });
mkdirSync(emptyBin, { recursive: true });
writeFileSync(
  path.join(fakeBin, 'systemctl'),
  `#!/bin/sh
echo "$*" >> "$FAKE_SYSTEMCTL_LOG"
if [ "$FAKE_SYSTEMCTL" = hang ]; then sleep 25 & wait; fi
if [ "$FAKE_SYSTEMCTL" = nobus ]; then echo 'Failed to connect to bus: No medium found' >&2; exit 1; fi
case "$*" in
  "--user show --property=Version") echo 'Version=252'; exit 0 ;;
  "--user show "*) printf '%s\\n' "LoadState=loaded" "ActiveState=$FAKE_ACTIVE" "SubState=running" "MainPID=4242" "UnitFileState=enabled" "NRestarts=2" "ActiveEnterTimestamp=Fri 2026-11-27 16:00:00 UTC"; exit 0 ;;
esac
exit 0
`,
);
chmodSync(path.join(fakeBin, 'systemctl'), 0o755);

/** The environment of every call: fake systemctl first on PATH, unit dir and runtime dir of the test's own. */
function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: `${fakeBin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    TMUXCTL_SYSTEMD_USER_DIR: unitDir,
    XDG_RUNTIME_DIR: t.path('runtime'),
    DBUS_SESSION_BUS_ADDRESS: undefined,
    FAKE_SYSTEMCTL_LOG: callLog,
    FAKE_SYSTEMCTL: 'ok',
    FAKE_ACTIVE: 'active',
    ...extra,
  };
}

const calls = () => (readIfExists(callLog) ?? '').split('\n').filter(Boolean);
const service = (args: string[], extra: Record<string, string | undefined> = {}) => t.tmuxctl(['service', ...args], { env: env(extra) });

beforeEach(() => {
  execFileSync('rm', ['-rf', unitDir, callLog]);
  t.writeSpec('ops.yaml', specDoc({ mon: quickSession(['sleep', '1000']) }));
});

describe('service install --print', () => {
  it('shows a unit running watch over the absolute spec paths with this node, this CLI and these flags; installs nothing', async () => {
    // `-f specs` relative to the folder install runs in (the helper runs from the temp root).
    const r = await service(['install', '-f', 'specs', '--print']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines).toContain(`ExecStart=${process.execPath} ${cliPath} -L ${t.socket} --state-dir ${t.stateDir} watch -f ${t.specsDir}`);
    const pre = lines.find((l) => l.startsWith('ExecStartPre='));
    expect(pre).toMatch(/^ExecStartPre=\S*systemd-run --user --scope --quiet --collect /);
    expect(pre).toContain(` ${process.execPath} ${cliPath} -L ${t.socket} --state-dir ${t.stateDir} service start-server`);
    expect(lines).toContain('KillMode=process');
    expect(lines).toContain('WantedBy=default.target');
    expect(lines).toContain(`Environment="TMUX_TMPDIR=${t.tmpDir}"`);
    expect(existsSync(unitDir)).toBe(false);
    expect(calls()).toEqual([]);
  });

  it('keeps each spec path one argument and every % literal', async () => {
    const odd = t.writeSpec('my specs 100%/app.yaml', specDoc({ odd: quickSession(['sleep', '1000']) }));
    const r = await service(['install', '-f', path.dirname(odd), '--print']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(` watch -f "${t.specsDir}/my specs 100%%"\n`);
  });

  it('validates the specs first: exit 2, the problem at file:line:col, nothing printed or installed', async () => {
    const bad = t.writeSpec('bad/app.yaml', 'version: 1\nsessions:\n  x:\n    restart: sometimes\n    command: sleep 1\n');
    const r = await service(['install', '-f', path.dirname(bad)]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/app\.yaml:4:\d+: .*restart/);
    expect(r.stdout).toBe('');
    expect(existsSync(unitDir)).toBe(false);
    expect(calls()).toEqual([]);
  });

  it('refuses a --name that is not a unit name (exit 2)', async () => {
    const r = await service(['install', '-f', t.specsDir, '--name', 'a b', '--print']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--name "a b": must be letters, digits/);
  });

  // systemd-analyze is part of systemd; CI machines without it skip this one check, saying so.
  const analyze = (() => {
    try {
      execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!analyze) console.warn('SKIPPED: systemd-analyze verify of the generated unit: systemd-analyze is not installed here');
  it.skipIf(!analyze)('the unit passes systemd-analyze --user verify with no warning (skipped, with a warning, where systemd-analyze is missing)', async () => {
    const r = await service(['install', '-f', t.specsDir, '--print']);
    expect(r.exitCode, r.stderr).toBe(0);
    const file = t.writeFile('verify/tmuxctl.service', r.stdout);
    const runtime = t.path('verify-runtime');
    mkdirSync(runtime, { recursive: true, mode: 0o700 });
    // --user needs a runtime dir; one of the test's own, so no real user manager is asked. A bad
    // setting is only a warning on stderr (exit 0), so stderr must be empty too.
    const v = spawnSync('systemd-analyze', ['--user', 'verify', file], {
      env: { ...t.env, XDG_RUNTIME_DIR: runtime, DBUS_SESSION_BUS_ADDRESS: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect({ status: v.status, stdout: v.stdout, stderr: v.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});

describe('service install', () => {
  it('writes the unit it prints, then daemon-reload, enable and restart through systemctl --user; says how to linger', async () => {
    const printed = (await service(['install', '-f', t.specsDir, '--print'])).stdout;
    const r = await service(['install', '-f', t.specsDir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(unitPath(), 'utf8')).toBe(printed);
    expect(calls()).toEqual(['--user show --property=Version', '--user daemon-reload', '--user enable tmuxctl.service', '--user restart tmuxctl.service']);
    expect(r.stdout).toContain(`installed ${unitPath()}\n`);
    expect(r.stdout).toMatch(/enabled and started tmuxctl\.service: watch over .* \(1 session\)/);
    expect(r.stdout).toMatch(/loginctl enable-linger \S+\n|lingering is on for/);
  });

  it('--name installs another unit; a second install replaces its own unit', async () => {
    expect((await service(['install', '-f', t.specsDir, '--name', 'ops'])).exitCode).toBe(0);
    writeFileSync(unitPath('ops'), readFileSync(unitPath('ops'), 'utf8').replace('RestartSec=5', 'RestartSec=99'));
    const r = await service(['install', '-f', t.specsDir, '--name', 'ops.service']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(unitPath('ops'), 'utf8')).toContain('RestartSec=5\n');
    expect(calls().filter((c) => c.startsWith('--user restart'))).toEqual(['--user restart ops.service', '--user restart ops.service']);
  });

  it('never replaces a unit file tmuxctl did not write (exit 3, file and systemd untouched)', async () => {
    mkdirSync(unitDir, { recursive: true });
    writeFileSync(unitPath(), '[Service]\nExecStart=/usr/bin/mine\n');
    const r = await service(['install', '-f', t.specsDir]);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/tmuxctl\.service exists and was not written by tmuxctl: not replaced/);
    expect(readFileSync(unitPath(), 'utf8')).toBe('[Service]\nExecStart=/usr/bin/mine\n');
    expect(calls()).toEqual(['--user show --property=Version']);
  });

  it('without a user manager: says so on stderr, prints the nohup and @reboot alternative, installs nothing, exit 3', async () => {
    const r = await service(['install', '-f', t.specsDir], { FAKE_SYSTEMCTL: 'nobus' });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(
      'tmuxctl: no systemd user manager here (systemctl --user show --property=Version: Failed to connect to bus: No medium found): nothing installed; to run watch without systemd:\n',
    );
    const watch = `${process.execPath} ${cliPath} -L ${t.socket} --state-dir ${t.stateDir} watch -f ${t.specsDir}`;
    expect(r.stdout).toContain(`\nnohup ${watch} >/dev/null 2>&1 &\n`);
    expect(r.stdout).toMatch(new RegExp(`\\n@reboot env PATH=\\S+ TMUX_TMPDIR=${t.tmpDir} ${watch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} >/dev/null 2>&1\\n`));
    expect(existsSync(unitDir)).toBe(false);
  });

  it('a systemctl that never answers is killed at the timeout: exit 3 with the alternative, nothing installed', async () => {
    const r = await service(['install', '-f', t.specsDir], { FAKE_SYSTEMCTL: 'hang', TMUXCTL_SYSTEMCTL_TIMEOUT_MS: '500' });
    expect(r.exitCode).toBe(3);
    expect(r.durationMs).toBeLessThan(15_000); // a hang, not a speed check: the fake waits 25 s, its sleep holding the pipes after the kill
    expect(r.stderr).toMatch(/systemctl --user show --property=Version: no answer within 0\.5 s\): nothing installed/);
    expect(r.stdout).toMatch(/^nohup /m);
    expect(existsSync(unitDir)).toBe(false);
  });

  it('without systemctl at all: the same alternative, exit 3', async () => {
    const r = await service(['install', '-f', t.specsDir], { PATH: emptyBin });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^tmuxctl: no systemd user manager here \(systemctl --user show --property=Version: systemctl not found on PATH\)/);
    expect(r.stdout).toMatch(/^nohup .* watch -f /m);
    expect(existsSync(unitDir)).toBe(false);
  });
});

describe('service uninstall and status', () => {
  it('uninstall stops and disables the unit, removes its file, reloads', async () => {
    expect((await service(['install', '-f', t.specsDir])).exitCode).toBe(0);
    execFileSync('rm', ['-f', callLog]);
    const r = await service(['uninstall']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`stopped and disabled tmuxctl.service (its tmux sessions keep running); removed ${unitPath()}\n`);
    expect(existsSync(unitPath())).toBe(false);
    expect(calls()).toEqual(['--user show --property=Version', '--user disable --now tmuxctl.service', '--user daemon-reload']);
  });

  it('uninstall with nothing installed is exit 0; a foreign unit file is never removed (exit 3)', async () => {
    const none = await service(['uninstall', '--name', 'ops']);
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toBe(`ops.service is not installed (no ${unitPath('ops')})\n`);
    mkdirSync(unitDir, { recursive: true });
    writeFileSync(unitPath('ops'), '[Service]\nExecStart=/usr/bin/mine\n');
    const r = await service(['uninstall', '--name', 'ops']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/ops\.service was not written by tmuxctl: not removed/);
    expect(existsSync(unitPath('ops'))).toBe(true);
    expect(calls()).toEqual([]);
  });

  it('status shows the unit and what systemd says; exit 0 when active, 3 when not', async () => {
    expect((await service(['install', '-f', t.specsDir])).exitCode).toBe(0);
    const active = await service(['status']);
    expect(active.exitCode, active.stderr).toBe(0);
    expect(active.stdout).toBe(
      `unit:     ${unitPath()} (written by tmuxctl)\n` +
        'state:    active (running), pid 4242, since Fri 2026-11-27 16:00:00 UTC\n' +
        'enabled:  enabled\n' +
        'restarts: 2\n',
    );
    const failed = await service(['status'], { FAKE_ACTIVE: 'failed' });
    expect(failed.exitCode).toBe(3);
    expect(failed.stdout).toMatch(/^state: {4}failed \(running\), pid 4242\n/m);
    const nobus = await service(['status'], { FAKE_SYSTEMCTL: 'nobus' });
    expect(nobus.exitCode).toBe(3);
    expect(nobus.stdout).toMatch(/^systemd: {2}not available \(.*Failed to connect to bus/m);
  });
});
