import type { Context } from '../context.js';
import { loadOrFail } from '../context.js';
import { displayPath } from '../format-plan.js';

export async function validateCommand(ctx: Context, opts: { file?: string[] }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  const files = desired.files.map((f) => displayPath(ctx.io.cwd, f)).join(', ');
  ctx.io.out(`valid: ${desired.sessions.length} session${desired.sessions.length === 1 ? '' : 's'} in ${files}\n`);
  return 0;
}
