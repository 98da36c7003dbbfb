/**
 * The attach gate (attach-gate.ts): a control client attaching to a server holds that server's
 * calls, and only that server's.
 */
import { describe, expect, it } from 'vitest';
import type { TmuxLauncher } from '../../../src/tmux/client.js';
import { attachGateOf } from '../../../src/tmux/control/attach-gate.js';

const onHost = (where: string) => ({ where }) as TmuxLauncher;

describe('attachGateOf', () => {
  it('is one gate per server: the same -L here, and the same name on the same host, share it; a host and this machine do not', () => {
    const here = attachGateOf({ server: { socketName: 'gate-a' } });
    expect(attachGateOf({ server: { socketName: 'gate-a' } })).toBe(here);
    expect(attachGateOf({ server: { socketName: 'gate-b' } })).not.toBe(here);
    const gpu1 = attachGateOf({ server: { socketName: 'gate-a' }, launcher: onHost('gpu1: ') });
    expect(gpu1).not.toBe(here);
    expect(attachGateOf({ server: { socketName: 'gate-a' }, launcher: onHost('gpu1: ') })).toBe(gpu1);
    expect(attachGateOf({ server: { socketName: 'gate-a' }, launcher: onHost('gpu2: ') })).not.toBe(gpu1);
  });

  it("a host's attach that hangs holds that host's calls, not this machine's", async () => {
    const here = attachGateOf({ server: { socketName: 'gate-c' } });
    const host = attachGateOf({ server: { socketName: 'gate-c' }, launcher: onHost('slow: ') });
    let release!: () => void;
    const attaching = host.attach(() => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 10));
    const log: string[] = [];
    const hostCall = host.call(async () => log.push('host call'));
    await here.call(async () => log.push('call here'));
    expect(log).toEqual(['call here']);
    release();
    await attaching;
    await hostCall;
    expect(log).toEqual(['call here', 'host call']);
  });
});
