import { describe, expect, it } from 'vitest';
import { HostUnreachableError } from '../../src/errors.js';
import { lastLine, splitMuxNotice, sshFailure } from '../../src/host/ssh/ssh-run.js';

describe('lastLine', () => {
  it("is ssh's last non-blank stderr line, without the \\r it sometimes ends lines with", () => {
    expect(lastLine('Warning: Permanently added x\r\nssh: connect to host gpu2.lab port 22: Connection refused\r\n')).toBe(
      'ssh: connect to host gpu2.lab port 22: Connection refused',
    );
    expect(lastLine('kyuwon@gpu1.lab: Permission denied (publickey).\n\n')).toBe('kyuwon@gpu1.lab: Permission denied (publickey).');
    expect(lastLine('  \n')).toBeUndefined();
  });
});

describe('sshFailure', () => {
  it('exit 255 is ssh failing: one line, the host name first; any other code is the remote command', () => {
    const e = sshFailure({ name: 'gpu2' }, 255, 'ssh: connect to host gpu2.lab port 22: Connection refused\r\n');
    expect(e).toBeInstanceOf(HostUnreachableError);
    expect(e?.message).toBe('gpu2: ssh: connect to host gpu2.lab port 22: Connection refused');
    expect(e?.exitCode).toBe(3);
    expect(sshFailure({ name: 'gpu2' }, 255, '')?.message).toBe('gpu2: ssh exited with 255');
    for (const code of [0, 1, 2, 127, 130]) expect(sshFailure({ name: 'gpu2' }, code, 'boom')).toBeUndefined();
  });
});

describe('splitMuxNotice', () => {
  it("takes ssh's stale control socket line out of the remote stderr and says the master is lost", () => {
    expect(splitMuxNotice('Control socket connect(/s/ssh/ab12): Connection refused\r\nremote says\n')).toEqual({ stderr: 'remote says\n', masterLost: true });
    expect(splitMuxNotice('mux_client_request_session: session request failed: Session open refused by peer\r\nx\n')).toEqual({
      stderr: 'x\n',
      masterLost: false,
    });
    expect(splitMuxNotice('remote says\nControl socket connect(x): y\n')).toEqual({ stderr: 'remote says\nControl socket connect(x): y\n', masterLost: false });
  });
});
