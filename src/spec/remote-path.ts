/**
 * A path on a remote host, as a session or host declares it: never resolved against this machine
 * (its home, the spec file's folder) nor checked here. `~` and absolute paths are kept as written;
 * a relative path is relative to the remote user's home, as it is for a command run by ssh, and
 * is written `~/path` so that every remote path is absolute or starts with `~` (the remote's home,
 * which only the remote knows: see expandRemoteHome). `~user` is not special (as in resolve-path.ts).
 */
export function remotePath(value: string): string {
  if (value === '~' || value.startsWith('~/') || value.startsWith('/')) return value;
  return `~/${value}`;
}

/** A remote path (from remotePath) with its `~` replaced by the remote home, once that is known. */
export function expandRemoteHome(value: string, remoteHome: string): string {
  const home = remoteHome.length > 1 ? remoteHome.replace(/\/+$/, '') : remoteHome;
  if (value === '~') return home;
  if (value.startsWith('~/')) return `${home === '/' ? '' : home}/${value.slice(2)}`;
  return value;
}
