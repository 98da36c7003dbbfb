import { describe, expect, it } from 'vitest';
import { carryInto, reprint, restartMarker, screenLines, unwrapArgv, unwrapStartCommand } from '../../src/apply/carry-screen.js';
import type { PaneArgs } from '../../src/tmux/commands.js';

const pane: PaneArgs = { cwd: '/', argv: ['python3', '-m', 'http.server'], env: {}, logFile: '/l/x.log', stamp: 's' };
const carry = { file: '/state/logs/server-1/carry/web.screen', token: '0123456789abcdef' };

describe('the reprint of a restarted pane', () => {
  it('wraps the argv (file and token as arguments, the real argv last) and tells the log where to start', () => {
    const wrapped = carryInto(pane, carry);
    expect(wrapped.argv.slice(0, 2)).toEqual(['/bin/sh', '-c']); // by its path: the pane's PATH may not lead to sh
    expect(wrapped.argv.slice(3)).toEqual(['tmuxctl-restarted', carry.file, carry.token, 'python3', '-m', 'http.server']);
    expect(wrapped.logSkipsThrough).toBe(carry.token);
    expect(carryInto(pane, undefined)).toBe(pane);
  });

  it('freeze reads the real argv of a process still in the wrapper, and leaves any other argv alone', () => {
    expect(unwrapArgv(carryInto(pane, carry).argv)).toEqual(pane.argv);
    expect(unwrapArgv(['/bin/sh', '-c', 'echo hi', 'tmuxctl-restarted', 'f', 't', 'x'])).toEqual([
      '/bin/sh',
      '-c',
      'echo hi',
      'tmuxctl-restarted',
      'f',
      't',
      'x',
    ]);
    expect(unwrapArgv(['sleep', '5'])).toEqual(['sleep', '5']);
  });

  it("takes the wrapper off tmux's rendering of a start command, a quoted file included", () => {
    const script = `"cat -- \\"$1\\" 2>/dev/null; exec \\"$@\\""`;
    expect(unwrapStartCommand(`/bin/sh -c ${script} tmuxctl-restarted /s/carry/web.screen 0123 sh -c "echo two; exit 5"`)).toBe('sh -c "echo two; exit 5"');
    expect(unwrapStartCommand(`/bin/sh -c ${script} tmuxctl-restarted "/my state/carry/web.screen" 0123 sleep 5`)).toBe('sleep 5');
    expect(unwrapStartCommand('sleep 5')).toBe('sleep 5');
    expect(unwrapStartCommand('')).toBe('');
  });

  it("drops tmux's dead-pane banner and the blank bottom of the screen, keeps colours", () => {
    const captured = 'l1\n\x1b[31mred\x1b[39m\ncrash   \n\n\x1b[39mPane is dead (status 3, Fri Nov 27 16:07:00 2026)\n\n\n';
    expect(screenLines(captured)).toEqual(['l1', '\x1b[31mred\x1b[39m', 'crash']);
    expect(screenLines('')).toEqual([]);
  });

  it('prints the screen, then the marker with colours reset; an empty screen still gets the marker', () => {
    expect(reprint(['a', 'b'], 'killed by signal 9')).toBe('a\nb\n\x1b[0m[tmuxctl] restarted: killed by signal 9');
    expect(reprint([], 'restart requested')).toBe('\x1b[0m[tmuxctl] restarted: restart requested');
    expect(restartMarker('exited with status 1')).toBe('[tmuxctl] restarted: exited with status 1');
  });
});
