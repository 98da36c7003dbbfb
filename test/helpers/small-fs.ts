import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SmallFs {
  /** The mounted folder. */
  dir: string;
  /** Fills every free byte with a filler file, so that the next write that needs room fails with ENOSPC. */
  fill(): void;
  /** Removes the filler: room again. */
  free(): void;
  unmount(): void;
}

/**
 * A real, tiny file system (tmpfs) that can be filled: a full disk is a fault tests must reproduce,
 * not imitate. Needs root (as the tests and CI run here); fails loudly otherwise rather than skip.
 */
export function mountSmallFs(sizeKiB = 256): SmallFs {
  const dir = mkdtempSync(path.join(tmpdir(), 'tmuxctl-smallfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a small tmpfs for the full-disk tests (they need root): ${(error as Error).message}`);
  }
  const filler = path.join(dir, '.filler');
  return {
    dir,
    fill() {
      // 4 KiB at a time, then byte by byte: tmpfs hands out whole pages, and the last page may be partial.
      const page = Buffer.alloc(4096, 0x66);
      writeFileSync(filler, '');
      try {
        for (;;) writeFileSync(filler, page, { flag: 'a' });
      } catch {
        // full
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      try {
        // Lazy: a process of a failed test may still hold a file open in it; the mount goes when it does.
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
