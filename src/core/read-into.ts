/**
 * Synchronous whole-file reads for archive writers: small files cost one open, one read and one
 * close on the main thread instead of several thread-pool round trips.
 */
import { closeSync, constants, openSync, readSync } from "node:fs";

/**
 * readIntoSync returns a reader that puts the `size` bytes of the file at `abs` into a buffer with
 * one open, one read and one close (asking for one byte more: a short read is the end), and
 * throws, naming `rel`, when the file is longer or shorter than that.
 */
export function readIntoSync(abs: string, rel: string, size: number): (target: Buffer, offset: number) => void {
  return (target, offset) => {
    const fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      let got = 0;
      for (;;) {
        const want = size + 1 - got;
        const n = readSync(fd, target, offset + got, want, null);
        got += n;
        if (got > size) throw new Error(`${rel} grew while it was being archived (expected ${size} bytes)`);
        if (n === 0 || n < want) break;
      }
      if (got !== size) throw new Error(`${rel} shrank while it was being archived (expected ${size} bytes, read ${got})`);
    } finally {
      closeSync(fd);
    }
  };
}
