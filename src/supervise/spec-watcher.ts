import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { isSpecFileName } from '../spec/find-files.js';

export interface SpecWatcher {
  /** Follow this set of env files from now on (it changes as specs change). */
  setEnvFiles(files: readonly string[]): void;
  close(): Promise<void>;
}

/**
 * Calls onChange for anything that can change the desired state: a spec file written, added or
 * removed in a watched folder, a spec file given by name, or a referenced env file. chokidar 4 has no
 * globs, so folders are watched at depth 0 and filtered the way the loader reads them. `onError` is
 * told what the watcher cannot follow; it never stops the watcher.
 */
export async function watchSpecs(roots: readonly string[], onChange: (path: string) => void, onError: (e: Error) => void): Promise<SpecWatcher> {
  const { watch } = await import('chokidar');
  const folders = new Set(roots.filter(isFolder));
  let envFiles = new Set<string>();
  const relevant = (path: string) => envFiles.has(path) || roots.includes(path) || (folders.has(dirname(path)) && isSpecFileName(basename(path)));

  const watcher: FSWatcher = watch([...roots], { ignoreInitial: true, depth: 0, atomic: true });
  watcher.on('all', (_event, path) => {
    if (relevant(path)) onChange(path);
  });
  // An 'error' event with no listener would end the process (ELOOP, EACCES, the inotify limit):
  // watch goes on without that event, and the next pass's fingerprint still notices any change.
  watcher.on('error', (e) => onError(e instanceof Error ? e : new Error(String(e))));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    setEnvFiles(files) {
      const next = new Set(files);
      const added = [...next].filter((f) => !envFiles.has(f) && !roots.includes(f));
      const removed = [...envFiles].filter((f) => !next.has(f) && !roots.includes(f));
      envFiles = next;
      if (added.length) watcher.add(added);
      if (removed.length) watcher.unwatch(removed);
    },
    close: () => watcher.close(),
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
