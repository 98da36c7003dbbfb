import path from 'node:path';

/**
 * A path from a spec, made absolute: `~` and `~/...` are the home folder, anything else relative
 * is relative to `baseDir` (the spec file's folder). `~user` is not expanded: it names another
 * user's home, which a reconciler should not guess at, so it stays a relative path.
 */
export function resolveSpecPath(value: string, baseDir: string, home: string): string {
  if (value === '~') return home;
  if (value.startsWith('~/')) return path.join(home, value.slice(2));
  return path.resolve(baseDir, value);
}
