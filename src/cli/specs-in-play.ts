import { SpecError } from '../errors.js';
import type { DesiredState } from '../spec/types.js';
import { anyPathExists, loadOrFail, specPaths, type Context } from './context.js';

/**
 * The specs that say which hosts are in play, for commands that work without any (`logs`,
 * `restart`): those named (-f, or a target written `host/...`) must load, or nothing is done (exit
 * 2). Otherwise the default spec paths are read when one exists, and specs there that do not load
 * leave only this machine in play: these commands worked from any folder before hosts existed, and
 * a folder of broken or unrelated specs must not stop them.
 */
export async function specsInPlay(ctx: Context, files: string[] | undefined, named: boolean): Promise<DesiredState | undefined> {
  if (named || (files && files.length > 0)) return loadOrFail(ctx.io, files, 'inspect');
  if (!anyPathExists(ctx.io, specPaths(ctx.io))) return undefined;
  try {
    return await loadOrFail(ctx.io, undefined, 'inspect');
  } catch (e) {
    if (e instanceof SpecError) return undefined;
    throw e;
  }
}
