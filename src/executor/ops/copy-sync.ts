/**
 * Synchronous writes for COPY. A small file costs about ten short syscalls; made one after another
 * on the main thread they take a fraction of the time the same calls take as thread-pool round
 * trips, each of which costs more main-thread time than the syscall itself. Every write goes into
 * a host directory already resolved inside the rootfs, and the last component is created with
 * O_EXCL|O_NOFOLLOW (whatever sat there is removed first), so nothing is written through a symlink.
 * Callers keep large files on the asynchronous path and yield between batches (Slicer).
 */
import { closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, readSync, rmSync, symlinkSync, chmodSync, chownSync, utimesSync, writeSync } from "node:fs";
import { InputError } from "../../core/errors.js";
import type { WriteMeta } from "./write.js";

/** SYNC_FILE_BYTES is the largest file copied synchronously; larger ones go through the thread pool so the event loop keeps turning. */
export const SYNC_FILE_BYTES = 1 << 20;

/** COPY_BUFFER_BYTES is the size of the buffer a synchronous copy reads through (one read for a file up to SYNC_FILE_BYTES). */
const COPY_BUFFER_BYTES = SYNC_FILE_BYTES + 1;

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** SLICE_MS is how long synchronous work runs before Slicer lets the event loop turn. */
const SLICE_MS = 8;

/** Slicer bounds how long synchronous work holds the event loop: `pause()` yields once SLICE_MS have passed since the last yield. */
export class Slicer {
  private since = performance.now();

  /** pause resolves at once while the slice lasts, else after one turn of the event loop. */
  async pause(): Promise<void> {
    if (performance.now() - this.since < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}

/** copyBuffer is one reusable buffer for synchronous copies (the main thread runs one at a time). */
let shared: Buffer | undefined;
function copyBuffer(): Buffer {
  shared ??= Buffer.allocUnsafe(COPY_BUFFER_BYTES);
  return shared;
}

/** clearSlotSync removes whatever non-directory sits at `host`; a directory there is an error (a file cannot replace it). */
export function clearSlotSync(host: string): void {
  let st;
  try {
    st = lstatSync(host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (st.isDirectory()) throw new InputError(`cannot replace directory ${host} with a file`);
  rmSync(host, { force: true });
}

/** createFresh opens `host` as a new file for writing (mode 0600 until the caller sets the real one), replacing a non-directory there. */
function createFresh(host: string): number {
  try {
    return openSync(host, CREATE, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    clearSlotSync(host);
    return openSync(host, CREATE, 0o600);
  }
}

/**
 * pump copies descriptor `src` to `dst` until end of file and returns how many bytes it copied. A
 * short read once `expected` bytes are in is taken as the end (a regular file's reads are short only
 * there), saving the read that would return 0; a file that grew meanwhile fails the caller's
 * after-copy stat check.
 */
function pump(src: number, dst: number, expected: number): number {
  const buf = copyBuffer();
  let total = 0;
  for (;;) {
    const n = readSync(src, buf, 0, buf.length, null);
    if (n === 0) return total;
    for (let off = 0; off < n; ) off += writeSync(dst, buf, off, n - off);
    total += n;
    if (n < buf.length && total >= expected) return total;
  }
}

/**
 * copyOpenFileSync copies the open file `src` (`size` bytes as last seen) into the new file `host` and sets its owner, then its
 * mode (a chown clears setuid and setgid bits), then its times; returns the bytes copied.
 */
export function copyOpenFileSync(src: number, size: number, host: string, meta: WriteMeta): number {
  const dst = createFresh(host);
  try {
    const n = pump(src, dst, size);
    fchownSync(dst, meta.uid, meta.gid);
    fchmodSync(dst, meta.mode);
    futimesSync(dst, meta.mtime, meta.mtime);
    return n;
  } finally {
    closeSync(dst);
  }
}

/** makeDirSync creates (or updates) the directory `host` with the given metadata and returns it; a non-directory there is replaced. */
export function makeDirSync(host: string, meta: WriteMeta): string {
  let st;
  try {
    st = lstatSync(host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (st && !st.isDirectory()) rmSync(host, { force: true });
  if (!st?.isDirectory()) mkdirSync(host);
  chownSync(host, meta.uid, meta.gid);
  chmodSync(host, meta.mode);
  utimesSync(host, meta.mtime, meta.mtime);
  return host;
}

/** writeSymlinkSync creates the symlink `host` -> target (replacing a non-directory there) with the given owner and times. */
export function writeSymlinkSync(host: string, target: string, meta: WriteMeta): void {
  clearSlotSync(host);
  symlinkSync(target, host);
  lchownSync(host, meta.uid, meta.gid);
  lutimesSync(host, meta.mtime, meta.mtime);
}
