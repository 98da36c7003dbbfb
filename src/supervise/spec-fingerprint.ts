import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSpecFileName } from '../spec/find-files.js';

/**
 * A cheap identity of everything the desired state was read from: the real path of each -f root
 * (a symlink-swap deploy, `ln -s v2 specs.new && mv -T specs.new specs`, changes it), the spec
 * file names in each root folder, and dev, inode, size, mtime and ctime of every spec and env file.
 * Watch compares it on every pass, so a file event that chokidar missed (an editor's rename-save,
 * a swapped symlink it never followed) is noticed by the next pass or resync at the latest.
 * No file is read: one readdir per folder and one stat per file.
 */
export async function fingerprintSpecs(roots: readonly string[], envFiles: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const root of roots) {
    const real = await realpath(root).catch(() => '');
    parts.push(`root ${root} -> ${real || 'missing'}`);
    if (!real) continue;
    const info = await stat(root).catch(() => undefined);
    if (!info?.isDirectory()) {
      parts.push(identity(root, info));
      continue;
    }
    const names = (await readdir(root).catch(() => [] as string[])).filter(isSpecFileName).sort();
    for (const name of names) {
      const file = join(root, name);
      parts.push(identity(file, await stat(file).catch(() => undefined)));
    }
  }
  for (const file of envFiles) parts.push(identity(file, await stat(file).catch(() => undefined)));
  return parts.join('\n');
}

function identity(file: string, s: Awaited<ReturnType<typeof stat>> | undefined): string {
  if (!s) return `${file} missing`;
  return `${file} ${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

/** The real paths of the roots, to tell when the folders a file watcher follows were swapped. */
export async function realRoots(roots: readonly string[]): Promise<string> {
  return (await Promise.all(roots.map((r) => realpath(r).catch(() => '')))).join('\n');
}
