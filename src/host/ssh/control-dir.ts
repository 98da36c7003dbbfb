import { lstatSync, mkdirSync } from 'node:fs';
import { ensurePrivateDir, PRIVATE_DIR_MODE, StateDirError } from '../../state/dirs.js';
import { controlDir, controlRoot } from './control-path.js';

/**
 * Makes the folder of the control sockets (0700) and returns it. The short fallback under /tmp sits
 * in a folder anyone could have made first: it is used only when it is a real folder (not a link)
 * of this user that nobody else can enter, since whoever can reach a control socket can run
 * commands on the remote host as us.
 */
export function ensureControlDir(stateDir: string, uid: number = process.getuid?.() ?? 0): string {
  const dir = controlDir(stateDir, uid);
  const root = controlRoot(uid);
  if (dir.startsWith(`${root}/`)) ensureOwnFolder(root, uid);
  ensurePrivateDir(dir);
  return dir;
}

function ensureOwnFolder(root: string, uid: number): void {
  try {
    mkdirSync(root, { mode: PRIVATE_DIR_MODE });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new StateDirError(`cannot create ${root}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const st = lstatSync(root);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0)
    throw new StateDirError(
      `cannot keep ssh control sockets in ${root}: it is not a private folder of this user (remove it, or use a shorter state dir: --state-dir or TMUXCTL_STATE_DIR)`,
    );
}
