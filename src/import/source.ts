import path from 'node:path';

/** One file given to `import`. */
export interface SourceFile {
  /** Absolute path. */
  path: string;
  /** As the user named it (relative to the working directory when inside it): for messages and comments. */
  display: string;
}

/** The name a file with no session name of its own gives its session: its folder's (`~/src/shop/Procfile` → shop). */
export function folderName(file: SourceFile): string {
  return path.basename(path.dirname(file.path));
}

/** `shop.yml` → `shop`. */
export function baseName(file: SourceFile): string {
  return path.basename(file.path).replace(/\.[^.]*$/, '');
}
