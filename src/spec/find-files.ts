import { readdir, stat } from 'node:fs/promises';
import { fileKind } from '../file-kind.js';
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
        if (!info.isFile()) problems.push({ file, message: notASpec(info) });
        else addFile(root);
        continue;
      }
      const before = problems.length;
      const found = await specFilesIn(root, cwd, problems);
      if (found.length === 0 && problems.length === before) problems.push({ file, message: 'no spec files (*.yaml, *.yml) in this folder' });
      found.forEach(addFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({ file, message: code === 'ENOENT' ? 'no such file or folder' : `cannot read: ${code ?? String(error)}` });
    }
  }
  return { files, roots, problems };
}

/**
 * The spec files of a folder. A spec-named entry that is not a regular file (a FIFO, a device, a
 * symlink that leads nowhere or to one of those) is a problem, never skipped: skipping it would read
 * as "that file's sessions are no longer declared" and prune them (a deploy link pointing at a
 * release not there yet). Only a folder named like a spec is passed over.
 */
async function specFilesIn(folder: string, cwd: string, problems: SpecProblem[]): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (!isSpecFileName(entry.name)) continue;
    if (entry.isFile()) {
      names.push(entry.name);
      continue;
    }
    const full = path.join(folder, entry.name);
    const info = await stat(full).catch(() => undefined); // follows a symlink
    if (info?.isFile()) names.push(entry.name);
    else if (info?.isDirectory()) continue;
    else if (!info) problems.push({ file: displayPath(full, cwd), message: 'is a broken symbolic link (what it points to does not exist)' });
    else problems.push({ file: displayPath(full, cwd), message: notASpec(info) });
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((name) => path.join(folder, name));
}

function notASpec(info: Parameters<typeof fileKind>[0]): string {
  return `is ${fileKind(info)}, not a regular file (a spec must be a file or a folder of them)`;
}
