import type { Context } from '../context.js';
import { loadOrFail } from '../context.js';
import { displayPath } from '../../spec/display-path.js';

export async function validateCommand(ctx: Context, opts: { file?: string[] }): Promise<number> {
  const desired = await loadOrFail(ctx.io, opts.file);
  const files = desired.files.map((f) => displayPath(f, ctx.io.cwd)).join(', ');
  const sessions = `${desired.sessions.length} session${desired.sessions.length === 1 ? '' : 's'}`;
  // A session on several hosts counts once per host: that is how many tmux sessions it makes.
  const hosts = desired.hosts.length === 0 ? '' : ` and ${desired.hosts.length} host${desired.hosts.length === 1 ? '' : 's'}`;
  ctx.io.out(`valid: ${sessions}${hosts} in ${files}\n`);
  return 0;
}
