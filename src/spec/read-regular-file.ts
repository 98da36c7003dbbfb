import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileKind } from '../file-kind.js';

export type RegularFileRead = { ok: true; text: string } | { ok: false; code: string; reason: string };

/**
 * Reads a spec or env file, but only a regular file. A FIFO opened for reading blocks until a writer
 * comes (forever, `watch` included), and a device can stream without end; neither is a spec. The file
 * is opened with O_NONBLOCK (so opening a FIFO returns at once) and the open descriptor is checked, so
 * nothing swapped in between a check and the read can slip through.
 */
export async function readRegularFile(file: string): Promise<RegularFileRead> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { ok: false, code, reason: code };
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return { ok: false, code: 'EISDIR', reason: 'is a folder, not a file' };
    if (!info.isFile()) return { ok: false, code: 'ENOTREG', reason: `is ${fileKind(info)}, not a regular file` };
    return { ok: true, text: await handle.readFile('utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { ok: false, code, reason: code };
  } finally {
    await handle.close().catch(() => {});
  }
}
