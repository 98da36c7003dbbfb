import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../../state/dirs.js';

/**
 * The control socket path ssh resolved for a target (`ssh -G`), kept in the control dir between
 * commands, so a command whose master is up runs no `ssh -G` and no `ssh -O check` before its
 * first call (two ssh processes per host on every no-op apply).
 *
 * Why a stale entry is harmless: calls name the socket as `ControlPath=<dir>/%C` and ssh works %C
 * out itself, so this path is never used to reach a host; it only tells whether a master seems to
 * be up. If it is wrong (the ssh config changed what the destination means), calls find no master
 * at their own path and connect directly: slower, never misrouted, never hung. An entry is dropped
 * when an ssh config file it was resolved under changed, when it is older than `maxAgeMs`, and by
 * the caller when a call found the master dead (`forgetControlPath`).
 */

interface Entry {
  path: string;
  /** Stamps (mtime, size, inode) of the ssh config files when the path was resolved. */
  configs: string[];
  at: number;
}

/** The config files whose change can change where a destination goes (ssh's own, or `-F`'s). */
export function configFilesOf(configFile: string | undefined): string[] {
  if (configFile) return [configFile];
  // ssh reads ~/.ssh/config from the passwd home, not $HOME.
  let home: string;
  try {
    home = userInfo().homedir;
  } catch {
    home = process.env.HOME ?? '/';
  }
  return [join(home, '.ssh', 'config'), '/etc/ssh/ssh_config'];
}

/** Stamps of the config files, taken BEFORE `ssh -G` reads them (a change during it then shows next time). */
export function configStamps(files: readonly string[]): string[] {
  return files.map(stamp);
}

function stamp(file: string): string {
  try {
    const st = statSync(file);
    return `${file}:${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return `${file}:-`;
  }
}

/** The cache file of a target key in the control dir (next to the sockets, 0600). */
export function cacheFile(dir: string, key: string): string {
  return join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.path`);
}

/** The cached path, when it is still good: same config files, young enough, a socket name in `dir`. */
export function readControlPath(dir: string, key: string, configFiles: readonly string[], maxAgeMs: number, now = Date.now()): string | undefined {
  let e: Entry;
  try {
    e = JSON.parse(readFileSync(cacheFile(dir, key), 'utf8')) as Entry;
  } catch {
    return undefined;
  }
  if (typeof e?.path !== 'string' || !Array.isArray(e.configs) || typeof e.at !== 'number') return undefined;
  // A path outside our own 0700 folder was not written by us: never trusted.
  if (dirname(e.path) !== dir) return undefined;
  if (now - e.at > maxAgeMs || now < e.at) return undefined;
  const current = configFiles.map(stamp);
  if (current.length !== e.configs.length || current.some((s, i) => s !== e.configs[i])) return undefined;
  return e.path;
}

/**
 * Records a path just resolved. Written whole and renamed into place: a reader sees the old entry
 * or the new one. Best effort: a cache that cannot be written costs speed, nothing else.
 */
export function writeControlPath(dir: string, key: string, path: string, stamps: readonly string[], now = Date.now()): void {
  const file = cacheFile(dir, key);
  const tmp = `${file}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, JSON.stringify({ path, configs: [...stamps], at: now } satisfies Entry), { mode: PRIVATE_FILE_MODE });
    renameSync(tmp, file);
  } catch {
    removeQuietly(tmp);
  }
}

/** Drops the entry: the next command resolves the path again and checks the master (`ssh -G`, `-O check`). */
export function forgetControlPath(dir: string, key: string): void {
  removeQuietly(cacheFile(dir, key));
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
