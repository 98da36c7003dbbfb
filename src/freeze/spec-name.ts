import { SESSION_NAME } from '../spec/session-name.js';

const MAX = 64;

/**
 * A spec name (session or window: the same characters) for a live tmux name: runs of other
 * characters become '-', and a name already in `taken` gets `-2`, `-3`, ... The chosen name is
 * added to `taken`. `note` says what the live name was whenever it changed.
 */
export function uniqueName(live: string, taken: Set<string>, kind: 'session' | 'window'): { name: string; note?: string } {
  const valid = SESSION_NAME.test(live);
  const base = valid
    ? live
    : live
        .replace(/[^A-Za-z0-9_-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, MAX) || kind;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base.slice(0, MAX - `-${n}`.length)}-${n}`;
  taken.add(name);
  if (valid && name === live) return { name };
  const why = !valid
    ? `a ${kind} name may only use letters, digits, '_' and '-' (at most ${MAX})`
    : `an earlier ${kind} ${kind === 'window' ? 'of this session ' : ''}has that name`;
  return { name, note: `tmux ${kind} ${JSON.stringify(live)} renamed ${name}: ${why}` };
}
