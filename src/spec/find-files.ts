import { readdir, stat } from 'node:fs/promises';
import { kindOf } from './read-regular-file.js';
import path from 'node:path';
import { displayPath } from './display-path.js';
import type { SpecProblem } from './types.js';

export interface FoundSpecFiles {
  /** Absolute spec file paths, each once, in the order given (a folder's files sorted by name). */
  files: string[];
  /** The -f paths, absolute, each once. */
  roots: string[];
  problems: SpecProblem[];
}

/**
 * Which names in a folder are spec files. Dot files are skipped: editors put lock and swap files
 * there (emacs' `.#app.yaml` is a dangling symlink), and they are never specs. The watch loop
 * should use the same test, so that what is watched is what is loaded.
 */
export function isSpecFileName(name: string): boolean {
  return !name.startsWith('.') && (name.endsWith('.yaml') || name.endsWith('.yml'));
}

/** Expands -f paths: a file is taken as is (whatever its extension), a folder gives its spec files (not recursive). */
export async function findSpecFiles(paths: readonly string[], cwd: string): Promise<FoundSpecFiles> {
  const files: string[] = [];
  const roots: string[] = [];
  const problems: SpecProblem[] = [];
  const addFile = (file: string): void => {
    if (!files.includes(file)) files.push(file);
  };
  for (const given of paths) {
    const root = path.resolve(cwd, given);
    if (roots.includes(root)) continue;
    roots.push(root);
    const file = displayPath(root, cwd);
    try {
      const info = await stat(root);
      if (!info.isDirectory()) {
        // Reading a FIFO would block for ever (watch included); only a regular file can be a spec.
        if (!info.isFile()) problems.push({ file, message: `is ${kindOf(info)}, not a regular file (a spec must be a file or a folder of them)` });
        else addFile(root);
        continue;
      }
      const found = await specFilesIn(root);
      if (found.length === 0) problems.push({ file, message: 'no spec files (*.yaml, *.yml) in this folder' });
      found.forEach(addFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({ file, message: code === 'ENOENT' ? 'no such file or folder' : `cannot read: ${code ?? String(error)}` });
    }
  }
  return { files, roots, problems };
}

async function specFilesIn(folder: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (!isSpecFileName(entry.name)) continue;
    // A symlink counts when it leads to a file (stat follows it); a dangling one is not a spec.
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(path.join(folder, entry.name)).catch(() => undefined))?.isFile());
    if (isFile) names.push(entry.name);
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((name) => path.join(folder, name));
}
