import type { Context } from '../context.js';
import { loadOrFail } from '../context.js';
import { displayPath } from '../../spec/display-path.js';

export async function validateCommand(ctx: Context, opts: { file?: string[] }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  const files = desired.files.map((f) => displayPath(f, ctx.io.cwd)).join(', ');
  ctx.io.out(`valid: ${desired.sessions.length} session${desired.sessions.length === 1 ? '' : 's'} in ${files}\n`);
  return 0;
}
