import { readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { isSpecFileName } from '../spec/find-files.js';

/**
 * A cheap identity of everything the desired state was read from: the real path of each -f root
 * (a symlink-swap deploy, `ln -s v2 specs.new && mv -T specs.new specs`, changes it), the spec
 * file names in each root folder, and dev, inode, size, mtime and ctime of every spec and env file.
 * Watch compares it on every pass, so a file event that chokidar missed (an editor's rename-save,
 * a swapped symlink it never followed) is noticed by the next pass or resync at the latest.
 * No file is read: one readdir per folder and one stat per file, synchronous: a handful of
 * system calls of microseconds each, where the promise versions queued each one behind libuv's
 * thread pool and cost a crash repair several milliseconds before its pass could start.
 */
export async function fingerprintSpecs(roots: readonly string[], envFiles: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const root of roots) {
    const real = tryOr(() => realpathSync(root), '');
    parts.push(`root ${root} -> ${real || 'missing'}`);
    if (!real) continue;
    const info = tryOr(() => statSync(root), undefined);
    if (!info?.isDirectory()) {
      parts.push(identity(root, info));
      continue;
    }
    const names = tryOr(() => readdirSync(root), [] as string[])
      .filter(isSpecFileName)
      .sort();
    for (const name of names) {
      const file = join(root, name);
      parts.push(
        identity(
          file,
          tryOr(() => statSync(file), undefined),
        ),
      );
    }
  }
  for (const file of envFiles)
    parts.push(
      identity(
        file,
        tryOr(() => statSync(file), undefined),
      ),
    );
  return parts.join('\n');
}

function identity(file: string, s: Stats | undefined): string {
  if (!s) return `${file} missing`;
  return `${file} ${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

/** The real paths of the roots, to tell when the folders a file watcher follows were swapped. */
export async function realRoots(roots: readonly string[]): Promise<string> {
  return roots.map((r) => tryOr(() => realpathSync(r), '')).join('\n');
}

function tryOr<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}
