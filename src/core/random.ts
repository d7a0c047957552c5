/**
 * Random names without node:crypto. Loading node:crypto costs a container start about 4 ms (it
 * pulls in some twenty internal modules), while the names tsbuild makes on that path (container
 * ids, temporary files) need only the kernel's random bytes, which /dev/urandom gives in one read.
 */
import { closeSync, openSync, readSync } from "node:fs";

/** POOL_BYTES is how many random bytes one read of /dev/urandom fetches ahead. */
const POOL_BYTES = 256;

/** pool holds random bytes read ahead; `used` of them are handed out. */
let pool: Buffer = Buffer.alloc(0);
let used = 0;

/** readUrandom reads `bytes` bytes from /dev/urandom. */
function readUrandom(bytes: number): Buffer {
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
  return buf;
}

/**
 * randomHex returns `bytes` random bytes from the kernel (/dev/urandom) as lower-case hex. The
 * bytes come from a pool read POOL_BYTES at a time (a container start makes about ten names: one
 * read instead of ten opens); each byte is handed out once.
 */
export function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES) return readUrandom(bytes).toString("hex");
  if (used + bytes > pool.length) {
    pool = readUrandom(POOL_BYTES);
    used = 0;
  }
  const out = pool.toString("hex", used, used + bytes);
  used += bytes;
  return out;
}
