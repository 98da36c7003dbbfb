import { describe, expect, it } from 'vitest';
import { lastLine } from '../../src/host/ssh/ssh-run.js';

describe('lastLine', () => {
  it("is ssh's last non-blank stderr line, without the \\r it sometimes ends lines with", () => {
    expect(lastLine('Warning: Permanently added x\r\nssh: connect to host gpu2.lab port 22: Connection refused\r\n')).toBe(
      'ssh: connect to host gpu2.lab port 22: Connection refused',
    );
    expect(lastLine('kyuwon@gpu1.lab: Permission denied (publickey).\n\n')).toBe('kyuwon@gpu1.lab: Permission denied (publickey).');
    expect(lastLine('  \n')).toBeUndefined();
  });
});
