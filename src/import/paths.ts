import path from 'node:path';

/**
 * A child folder as tmuxinator, tmuxp and smug read it: relative to its parent's folder (a
 * window's root inside the session's root). A spec reads every relative cwd relative to the spec
 * file instead, so the parent is joined in here. `~` and absolute paths stand alone.
 */
export function childDir(parent: string | undefined, child: string): string {
  if (parent === undefined || path.posix.isAbsolute(child) || child === '~' || child.startsWith('~/')) return child;
  const joined = path.posix.join(parent, child);
  return joined.endsWith('/') && joined.length > 1 ? joined.slice(0, -1) : joined;
}

/** A path as written in the source, tidied for the spec: `./` alone is the spec's folder, written `.`. */
export function tidyDir(dir: string): string {
  if (dir === './' || dir === '') return '.';
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}
