import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { TmuxctlError, UsageError } from '../errors.js';
import { fileKind } from '../file-kind.js';

/**
 * Writes a spec file (mode 0644 before the umask: a spec is no secret, and people share them).
 * An existing file is refused unless `force`; even then only a regular file is replaced. Opened
 * non-blocking and without truncating, and checked before a byte is written: a FIFO with no reader
 * fails at once instead of blocking, and a device or folder is never written.
 */
export function writeSpecFile(file: string, text: string, force: boolean): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NONBLOCK | (force ? 0 : constants.O_EXCL);
  let fd: number;
  try {
    fd = openSync(file, flags, 0o644);
  } catch (e) {
    throw openError(file, e as NodeJS.ErrnoException);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`${file}: exists and is ${fileKind(st)}; give a path for the spec file`);
    ftruncateSync(fd, 0);
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
  } catch (e) {
    if (e instanceof TmuxctlError) throw e;
    throw new TmuxctlError(`cannot write ${file}: ${(e as Error).message}`, 3);
  } finally {
    closeSync(fd);
  }
}

function openError(file: string, e: NodeJS.ErrnoException): TmuxctlError {
  switch (e.code) {
    case 'EEXIST':
      return new UsageError(`${file} already exists: pass --force to replace it, or choose another path`);
    case 'EISDIR':
      return new UsageError(`${file}: exists and is a folder; give a path for the spec file`);
    case 'ENXIO':
      return new UsageError(`${file}: exists and is a FIFO (named pipe) with no reader; give a path for the spec file`);
    case 'ENOENT':
    case 'ENOTDIR':
      return new UsageError(`${file}: its folder does not exist`);
    default:
      return new TmuxctlError(`cannot write ${file}: ${e.message}`, 3);
  }
}
