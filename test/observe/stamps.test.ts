import { describe, expect, it } from 'vitest';
import { encodePaneStamp, encodeWindowStamp, parsePaneStamp, parseWindowStamp } from '../../src/observe/stamps.js';
import type { PaneStamp, WindowStamp } from '../../src/observe/types.js';

describe('pane stamps', () => {
  const full: PaneStamp = {
    window: 'servers',
    index: 2,
    hash: 'v1.aaaa.bbbb.cccc.dddd',
    startedAt: 1_750_000_000_123,
    restarts: 7,
    crashes: 3,
    lastExit: { signal: 9 },
    stopTimeoutSeconds: 2.5,
  };

  it('round trip, with and without the optional fields', () => {
    expect(parsePaneStamp(encodePaneStamp(full))).toEqual(full);
    const bare: PaneStamp = { window: 'w_1-x', index: 0, hash: 'h', restarts: 0, crashes: 0 };
    expect(parsePaneStamp(encodePaneStamp(bare))).toEqual(bare);
    const exited: PaneStamp = { ...bare, lastExit: { status: 0 }, stopTimeoutSeconds: 0 };
    expect(parsePaneStamp(encodePaneStamp(exited))).toEqual(exited);
    const stopped: PaneStamp = { ...full, log: 'shop:servers.2', hold: 'stopped' };
    expect(parsePaneStamp(encodePaneStamp(stopped))).toEqual(stopped);
    const failed: PaneStamp = { ...full, hold: 'failed', recentRestarts: [1_750_000_000_000, 1_750_000_001_500] };
    expect(parsePaneStamp(encodePaneStamp(failed))).toEqual(failed);
    expect(parsePaneStamp('w=web i=0 h=x k=12,x')?.recentRestarts).toBeUndefined();
  });

  it('a hold this version does not know still holds the pane (never restarted against a wish)', () => {
    expect(parsePaneStamp('w=web i=0 h=x o=paused')?.hold).toBe('stopped');
  });

  it('garbage is no stamp (the pane is then not ours)', () => {
    for (const text of ['', '1', 'garbage', 'w=web', 'w=web i=0', 'i=0 h=x', 'w= i=0 h=x', 'w=web i=-1 h=x', 'w=web i=one h=x', 'w=web i=0 h=']) {
      expect(parsePaneStamp(text), text).toBeUndefined();
    }
  });

  it('fields that do not parse are dropped or read as zero, never as nonsense', () => {
    const s = parsePaneStamp('w=web i=1 h=x r=many c=-2 s=soon x=status:abc t=-1');
    expect(s).toEqual({ window: 'web', index: 1, hash: 'x', restarts: 0, crashes: 0 });
  });
});

describe('window stamps', () => {
  it('round trip, with and without a layout (a tmux layout string included)', () => {
    const plain: WindowStamp = { name: 'editor', panes: 1 };
    expect(parseWindowStamp(encodeWindowStamp(plain))).toEqual(plain);
    const laid: WindowStamp = { name: 'servers', panes: 3, layout: 'b25d,80x24,0,0{40x24,0,0,1,39x24,41,0[39x12,41,0,2,39x11,41,13,3]}' };
    expect(parseWindowStamp(encodeWindowStamp(laid))).toEqual(laid);
  });

  it('garbage is no stamp', () => {
    for (const text of ['', 'x', 'w=editor', 'n=2', 'w=editor n=two', 'w= n=1']) expect(parseWindowStamp(text), text).toBeUndefined();
  });
});
