/**
 * Random names without node:crypto. Loading node:crypto costs a container start about 4 ms (it
 * pulls in some twenty internal modules), while the names tsbuild makes on that path (container
 * ids, temporary files) need only the kernel's random bytes, which /dev/urandom gives in one read.
 */
import { closeSync, openSync, readSync } from "node:fs";

/** randomHex returns `bytes` random bytes from the kernel (/dev/urandom) as lower-case hex. */
export function randomHex(bytes: number): string {
  const buf = Buffer.alloc(bytes);
  const fd = openSync("/dev/urandom", "r");
  try {
    for (let off = 0; off < bytes; ) {
      const n = readSync(fd, buf, off, bytes - off, null);
      if (n <= 0) throw new Error("/dev/urandom gave no bytes");
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return buf.toString("hex");
}
