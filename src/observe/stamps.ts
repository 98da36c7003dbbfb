import type { ExitInfo, PaneStamp, WindowStamp } from './types.js';

/**
 * How tmuxctl's per-pane and per-window stamps are written into one tmux user option each:
 * space-separated `key=value` words (no value holds a space: window names, hashes and tmux layout
 * strings cannot), readable with `tmux show -p @tmuxctl-stamp`. One option per pane, not one per
 * field: a start writes one set-option, and tmux re-renders status once.
 */

export function formatExit(e: ExitInfo): string {
  return 'status' in e ? `status:${e.status}` : `signal:${e.signal}`;
}

export function parseExit(s: string | undefined): ExitInfo | undefined {
  const m = /^(status|signal):(\d+)$/.exec(s ?? '');
  if (!m) return undefined;
  return m[1] === 'status' ? { status: Number(m[2]) } : { signal: Number(m[2]) };
}

export function encodePaneStamp(s: PaneStamp): string {
  const words = [`w=${s.window}`, `i=${s.index}`, `h=${s.hash}`, `r=${s.restarts}`, `c=${s.crashes}`];
  if (s.startedAt !== undefined) words.push(`s=${s.startedAt}`);
  if (s.lastExit) words.push(`x=${formatExit(s.lastExit)}`);
  if (s.stopTimeoutSeconds !== undefined) words.push(`t=${s.stopTimeoutSeconds}`);
  if (s.log !== undefined) words.push(`l=${s.log}`);
  if (s.hold !== undefined) words.push(`o=${s.hold}`);
  if (s.recentRestarts !== undefined && s.recentRestarts.length > 0) words.push(`k=${s.recentRestarts.join(',')}`);
  return words.join(' ');
}

/** A stamp that does not parse (hand-edited, or from a future version) is no stamp: the pane is not ours. */
export function parsePaneStamp(text: string): PaneStamp | undefined {
  const f = fields(text);
  const index = wholeNumber(f.i);
  if (!f.w || index === undefined || !f.h) return undefined;
  return {
    window: f.w,
    index,
    hash: f.h,
    restarts: wholeNumber(f.r) ?? 0,
    crashes: wholeNumber(f.c) ?? 0,
    ...(f.s !== undefined && wholeNumber(f.s) !== undefined && { startedAt: wholeNumber(f.s) }),
    ...(parseExit(f.x) && { lastExit: parseExit(f.x) }),
    ...(nonNegative(f.t) !== undefined && { stopTimeoutSeconds: nonNegative(f.t) }),
    ...(f.l && { log: f.l }),
    // An unknown hold (a later version's) still holds: better a pane left stopped than restarted against a person's wish.
    ...(f.o !== undefined && { hold: f.o === 'failed' ? ('failed' as const) : ('stopped' as const) }),
    ...(recentTimes(f.k) && { recentRestarts: recentTimes(f.k) }),
  };
}

export function encodeWindowStamp(s: WindowStamp): string {
  return [`w=${s.name}`, `n=${s.panes}`, ...(s.layout ? [`l=${s.layout}`] : [])].join(' ');
}

export function parseWindowStamp(text: string): WindowStamp | undefined {
  const f = fields(text);
  const panes = wholeNumber(f.n);
  if (!f.w || panes === undefined) return undefined;
  return { name: f.w, panes, ...(f.l && { layout: f.l }) };
}

function fields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of text.split(' ')) {
    const eq = word.indexOf('=');
    if (eq > 0) out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}

function wholeNumber(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  return Number(s);
}

function nonNegative(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A comma-separated list of epoch milliseconds; anything malformed drops the list (no limit is then counted from it). */
function recentTimes(s: string | undefined): number[] | undefined {
  if (s === undefined || !/^\d+(,\d+)*$/.test(s)) return undefined;
  return s.split(',').map(Number);
}
