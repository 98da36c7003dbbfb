import { describe, expect, it } from 'vitest';
import { renderFallback } from '../../src/service/fallback.js';
import { crontabCommand, environmentLine, execWord, shWord } from '../../src/service/quote.js';
import { type ServiceSpec, serviceSpec, unitName } from '../../src/service/spec.js';
import { renderUnit, UNIT_MARKER } from '../../src/service/unit.js';

const base = {
  specPaths: ['specs', '/etc/tmuxctl/ops.yaml'],
  socketName: 'work',
  stateDir: 'state',
  env: { PATH: '/usr/local/bin:/usr/bin', TMUX_TMPDIR: '/run/user/1000', GITHUB_TOKEN: 'secret' },
  cwd: '/home/ann/ops',
  nodePath: '/usr/bin/node',
  cliPath: '/usr/lib/node_modules/tmuxctl/dist/cli/main.js',
  systemdRun: '/usr/bin/systemd-run',
};

describe('serviceSpec', () => {
  it('makes every path absolute, carries PATH and TMUX_TMPDIR and no other variable', () => {
    const spec = serviceSpec(base);
    expect(spec.specPaths).toEqual(['/home/ann/ops/specs', '/etc/tmuxctl/ops.yaml']);
    expect(spec.global).toEqual(['-L', 'work', '--state-dir', '/home/ann/ops/state']);
    expect(spec.environment).toEqual([
      ['PATH', '/usr/local/bin:/usr/bin'],
      ['TMUX_TMPDIR', '/run/user/1000'],
    ]);
  });

  it('-S wins over -L, made absolute', () => {
    expect(serviceSpec({ ...base, socketPath: 'sock' }).global).toEqual(['-S', '/home/ann/ops/sock', '--state-dir', '/home/ann/ops/state']);
  });

  it('refuses a path with a newline (it would end the unit line)', () => {
    expect(() => serviceSpec({ ...base, specPaths: ['a\nExecStartPost=/bin/rm'] })).toThrow(/control character/);
  });
});

describe('unitName', () => {
  it('defaults to tmuxctl and drops a .service suffix', () => {
    expect(unitName(undefined)).toBe('tmuxctl');
    expect(unitName('tmuxctl-work.service')).toBe('tmuxctl-work');
  });
  it.each(['', '-x', 'a b', 'a/b', 'x@y', 'a'.repeat(101)])('refuses %j', (name) => {
    expect(() => unitName(name)).toThrow(/--name .*must be letters, digits/);
  });
});

describe('quoting', () => {
  it('Exec words: specifiers, variables, spaces, quotes and backslashes survive systemd', () => {
    expect(execWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(execWord('/home/ann/my specs')).toBe('"/home/ann/my specs"');
    expect(execWord('/srv/100%')).toBe('/srv/100%%');
    expect(execWord('/srv/$HOME')).toBe('"/srv/$$HOME"');
    expect(execWord('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(execWord(';')).toBe('";"');
  });
  it('Environment= lines', () => {
    expect(environmentLine('PATH', '/a b:/c%d"e')).toBe('Environment="PATH=/a b:/c%%d\\"e"');
  });
  it('sh words and crontab percent signs', () => {
    expect(shWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shWord("it's here")).toBe(`'it'\\''s here'`);
    expect(crontabCommand("x '/srv/100%'")).toBe("x '/srv/100\\%'");
  });
});

describe('renderUnit', () => {
  const spec: ServiceSpec = serviceSpec({ ...base, specPaths: ['specs', '/srv/my specs'] });

  it('runs watch over the absolute specs with the node and CLI it was installed with', () => {
    expect(renderUnit(spec)).toBe(
      [
        `${UNIT_MARKER}: \`tmuxctl service uninstall\` removes it, the next install replaces it.`,
        '[Unit]',
        'Description=tmuxctl watch (tmuxctl)',
        '',
        '[Service]',
        'Type=simple',
        'Environment="PATH=/usr/local/bin:/usr/bin"',
        'Environment="TMUX_TMPDIR=/run/user/1000"',
        '# The tmux server runs in a scope of its own, outside this unit: stopping or restarting the unit',
        '# never stops it or its sessions. A server that already runs is left as it is.',
        'ExecStartPre=/usr/bin/systemd-run --user --scope --quiet --collect "--description=tmux server started for tmuxctl.service" ' +
          '/usr/bin/node /usr/lib/node_modules/tmuxctl/dist/cli/main.js -L work --state-dir /home/ann/ops/state service start-server',
        'ExecStart=/usr/bin/node /usr/lib/node_modules/tmuxctl/dist/cli/main.js -L work --state-dir /home/ann/ops/state watch -f /home/ann/ops/specs -f "/srv/my specs"',
        '# Only watch gets the stop signal: a server watch had to start again lives in this cgroup.',
        'KillMode=process',
        'TimeoutStopSec=10',
        'Restart=on-failure',
        'RestartSec=5',
        '',
        '[Install]',
        'WantedBy=default.target',
        '',
      ].join('\n'),
    );
  });

  it('holds the server outside the unit before watch can start it, and stops only watch', () => {
    const lines = renderUnit(spec).split('\n');
    const pre = lines.findIndex((l) => l.startsWith('ExecStartPre='));
    const start = lines.findIndex((l) => l.startsWith('ExecStart='));
    expect(pre).toBeGreaterThan(-1);
    expect(pre).toBeLessThan(start);
    expect(lines[pre]).toMatch(/^ExecStartPre=\/usr\/bin\/systemd-run --user --scope .* service start-server$/);
    expect(lines).toContain('KillMode=process');
  });

  it('names the unit in the uninstall hint and the description', () => {
    const text = renderUnit({ ...spec, name: 'ops' });
    expect(text).toMatch(/`tmuxctl service uninstall --name ops` removes it/);
    expect(text).toMatch(/^Description=tmuxctl watch \(ops\)$/m);
    expect(text).toMatch(/--description=tmux server started for ops.service/);
  });
});

describe('renderFallback', () => {
  it('prints a nohup line and an @reboot crontab line running the same watch', () => {
    const text = renderFallback(serviceSpec({ ...base, specPaths: ['/srv/100% specs'] }));
    const watch = "/usr/bin/node /usr/lib/node_modules/tmuxctl/dist/cli/main.js -L work --state-dir /home/ann/ops/state watch -f '/srv/100% specs'";
    expect(text).toContain(`\nnohup ${watch} >/dev/null 2>&1 &\n`);
    expect(text).toContain(`\n@reboot env PATH=/usr/local/bin:/usr/bin TMUX_TMPDIR=/run/user/1000 ${watch.replace('100%', '100\\%')} >/dev/null 2>&1\n`);
    expect(text).not.toContain('secret');
  });
});
