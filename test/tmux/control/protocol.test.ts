import { describe, expect, it } from 'vitest';
import { ControlParser } from '../../../src/tmux/control/protocol.js';

describe('ControlParser', () => {
  it('reads blocks and notifications in order, across chunks cut anywhere', () => {
    const stream =
      '%begin 1 10 0\n%end 1 10 0\n%session-changed $0 a\n%begin 2 11 1\none\ntwo\n%end 2 11 1\n%begin 3 12 1\nno such session: x\n%error 3 12 1\n%exit\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const p = new ControlParser();
      const got = [...p.push(stream.slice(0, cut)), ...p.push(stream.slice(cut))];
      expect(got).toEqual([
        { kind: 'block', block: { number: 10, fromClient: false, ok: true, lines: [] } },
        { kind: 'notification', notification: { name: 'session-changed', args: '$0 a' } },
        { kind: 'block', block: { number: 11, fromClient: true, ok: true, lines: ['one', 'two'] } },
        { kind: 'block', block: { number: 12, fromClient: true, ok: false, lines: ['no such session: x'] } },
        { kind: 'notification', notification: { name: 'exit', args: '' } },
      ]);
    }
  });

  it('an output line that looks like the end of a block but lacks its guard is output (a pane can print anything)', () => {
    const p = new ControlParser();
    const got = p.push('%begin 5 20 1\n%end 5 19 1\n%error x y z\n%begin 1 2 3\n%end 5 20 1\n');
    expect(got).toEqual([{ kind: 'block', block: { number: 20, fromClient: true, ok: true, lines: ['%end 5 19 1', '%error x y z', '%begin 1 2 3'] } }]);
  });

  it('keeps a line without its newline until the rest comes', () => {
    const p = new ControlParser();
    expect(p.push('%exi')).toEqual([]);
    expect(p.push('t too many clients\n')).toEqual([{ kind: 'notification', notification: { name: 'exit', args: 'too many clients' } }]);
  });
});
