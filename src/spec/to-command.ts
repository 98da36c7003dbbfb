import type { RawCommand } from './raw-spec.js';
import type { Command } from './types.js';

/** A string is a shell script (run under `sh -c`, exactly as written), a list is argv (exec'd, no shell). */
export function toCommand(raw: RawCommand): Command {
  return typeof raw === 'string' ? { kind: 'shell', script: raw } : { kind: 'argv', argv: [...raw] };
}
