import { describe, expect, it } from 'vitest';
import { CONTROL_DIR_MAX, controlDir } from '../../src/host/ssh/control-path.js';
import { controlCommand, destinationProblem, masterCommand, sshCommand } from '../../src/host/ssh/ssh-args.js';
import type { SshTarget } from '../../src/host/ssh/target.js';
import { UsageError } from '../../src/errors.js';

const target = (over: Partial<SshTarget> = {}): SshTarget => ({
  name: 'gpu1',
  ssh: 'kyuwon@gpu1.lab',
  stateDir: '/home/k/.local/state/tmuxctl',
  connectTimeoutSec: 10,
  ...over,
});
const UID = 1000;

describe('sshCommand', () => {
  it('one call: batch mode, timeouts, the shared connection without becoming it, no tty, the remote argv as one string', () => {
    expect(sshCommand(target(), ['tmux', '-L', 'x', 'list-sessions'], UID)).toEqual({
      file: 'ssh',
      args: [
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        '-o',
        'ServerAliveInterval=5',
        '-o',
        'ServerAliveCountMax=3',
        '-o',
        'ControlPath=/home/k/.local/state/tmuxctl/ssh/%C',
        '-o',
        'RemoteCommand=none',
        '-o',
        'PermitLocalCommand=no',
        '-o',
        'ClearAllForwardings=yes',
        '-o',
        'ForwardAgent=no',
        '-o',
        'ForwardX11=no',
        '-o',
        'LogLevel=ERROR',
        '-o',
        'ControlMaster=no',
        '-T',
        'kyuwon@gpu1.lab',
        '--',
        'tmux -L x list-sessions',
      ],
    });
  });

  it('-F comes first when a config file is given (TMUXCTL_SSH_CONFIG)', () => {
    expect(sshCommand(target({ configFile: '/tmp/ssh config' }), ['true'], UID).args.slice(0, 2)).toEqual(['-F', '/tmp/ssh config']);
  });

  it('passes the destination exactly as written, ssh:// included', () => {
    const args = sshCommand(target({ ssh: 'ssh://kyuwon@gpu2.lab:2222' }), ['true'], UID).args;
    expect(args.at(-3)).toBe('ssh://kyuwon@gpu2.lab:2222');
  });

  it('refuses a destination that ssh would read as an option, or that holds blanks', () => {
    for (const ssh of ['-oProxyCommand=touch /tmp/x', '-v', '', 'a b', 'a\nb']) {
      expect(() => sshCommand(target({ ssh }), ['true'], UID)).toThrow(UsageError);
      expect(destinationProblem(ssh)).toBeDefined();
    }
    expect(() => sshCommand(target({ ssh: '-x' }), ['true'], UID)).toThrow(/^gpu1: the ssh destination "-x" starts with "-"/);
    for (const ok of ['gpu1', 'kyuwon@gpu1.lab', 'ssh://kyuwon@gpu2.lab:2222', 'k@[::1]']) expect(destinationProblem(ok)).toBeUndefined();
  });

  it('the master: ControlMaster=yes with ControlPersist, no command, and no -f (ControlPersist forks once the socket is bound)', () => {
    const { args } = masterCommand(target(), 300, UID);
    expect(args.slice(-6)).toEqual(['-o', 'ControlMaster=yes', '-o', 'ControlPersist=300', '-N', 'kyuwon@gpu1.lab']);
    expect(args).not.toContain('-f');
  });

  it('-O check and -O exit name the same control path and destination', () => {
    expect(controlCommand(target(), 'check', UID).args.slice(-3)).toEqual(['-O', 'check', 'kyuwon@gpu1.lab']);
    expect(controlCommand(target(), 'exit', UID).args).toContain('ControlPath=/home/k/.local/state/tmuxctl/ssh/%C');
  });

  it('a connect timeout is a whole number of seconds, at least 1', () => {
    expect(sshCommand(target({ connectTimeoutSec: 0.2 }), ['true'], UID).args).toContain('ConnectTimeout=1');
    expect(sshCommand(target({ connectTimeoutSec: 2.5 }), ['true'], UID).args).toContain('ConnectTimeout=3');
  });
});

describe('controlDir', () => {
  it('is <stateDir>/ssh when the socket path fits in 107 bytes', () => {
    expect(controlDir('/home/k/.local/state/tmuxctl', UID)).toBe('/home/k/.local/state/tmuxctl/ssh');
  });

  it('falls back to a short folder of the user under /tmp, one per state dir, when it would not fit', () => {
    const long = '/home/someone-with-a-long-name/projects/deeply/nested/state';
    const a = controlDir(long, UID);
    expect(a).toMatch(/^\/tmp\/tmuxctl-ssh-1000\/[0-9a-f]{12}$/);
    expect(controlDir(`${long}2`, UID)).not.toBe(a);
    // the socket ssh binds: <dir>/<40 hex>.<16 random>
    expect(Buffer.byteLength(`${a}/${'f'.repeat(40)}.${'x'.repeat(16)}`)).toBeLessThanOrEqual(107);
  });

  it('the limit: a dir of CONTROL_DIR_MAX bytes still fits, one more does not', () => {
    const fits = `/${'s'.repeat(CONTROL_DIR_MAX - 5)}`; // + '/ssh'
    expect(controlDir(fits, UID)).toBe(`${fits}/ssh`);
    expect(Buffer.byteLength(`${fits}/ssh/${'f'.repeat(40)}.${'x'.repeat(16)}`)).toBe(107);
    expect(controlDir(`${fits}s`, UID)).toMatch(/^\/tmp\/tmuxctl-ssh-1000\//);
  });
});
