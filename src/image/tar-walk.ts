import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { readIntoSync } from "../core/read-into.js";
import { compareTarPaths, type FileContent, type LayerEntry } from "./tar-entry.js";

/** major and minor split a Linux dev_t (glibc's encoding) into device numbers. */
function major(rdev: number): number {
  return Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
}
function minor(rdev: number): number {
  return Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);
}

/** SMALL_FILE_BYTES: files up to this size are read in one call (a read stream would allocate a 64 KiB buffer per file). */
const SMALL_FILE_BYTES = 256 * 1024;

/**
 * readWhole yields a small file's bytes from one synchronous read: for a small file, four
 * thread-pool round trips (open, fstat, read, close) cost more than the reads themselves.
 */
async function* readWhole(p: string): AsyncGenerator<Buffer> {
  yield readFileSync(p);
}

/**
 * entriesFromDir walks a directory tree (never following symlinks: every entry is lstat'ed) and
 * returns its layer entries depth-first in bytewise name order, the root itself excluded. Files
 * sharing an inode become one file entry (the first in walk order) plus hardlinks to it. Sockets
 * are skipped, as containerd's differ does. Extended attributes are not read: Node has no xattr
 * API, so callers that need `security.capability` pass explicit entries with `xattrs`.
 */
export async function entriesFromDir(dir: string): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  const seen = new Map<string, string>();
  await walk(dir, "", out, seen);
  return out;
}

/** fileContent is a regular file's content: small files are read whole (synchronously when the archive asks), large ones streamed. */
function fileContent(p: string, r: string, size: number): FileContent {
  return size <= SMALL_FILE_BYTES ? { size, open: () => readWhole(p), readInto: readIntoSync(p, r, size) } : { size, open: () => createReadStream(p) };
}

async function walk(abs: string, rel: string, out: LayerEntry[], seen: Map<string, string>): Promise<void> {
  // Synchronous calls: one short syscall each beats a thread-pool round trip per entry.
  const names = readdirSync(abs).sort(compareTarPaths); // names hold no "/": bytewise UTF-8 order
  // Paths are joined by hand: path.join would normalize every one of them again.
  const prefix = abs.endsWith("/") ? abs : `${abs}/`;
  for (const name of names) {
    const p = prefix + name;
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(p);
    const mode = st.mode & 0o7777;
    const mtime = Math.trunc(st.mtimeMs / 1000);
    const { uid, gid } = st;
    if (st.isDirectory()) {
      out.push({ type: "directory", path, mode, uid, gid, mtime });
      await walk(p, path, out, seen);
    } else if (st.isSymbolicLink()) {
      out.push({ type: "symlink", path, mode, uid, gid, mtime, target: readlinkSync(p) });
    } else if (st.isFile()) {
      const key = st.nlink > 1 ? `${st.dev}:${st.ino}` : undefined;
      const first = key !== undefined ? seen.get(key) : undefined;
      if (first !== undefined) out.push({ type: "hardlink", path, mode, uid, gid, mtime, target: first });
      else {
        if (key !== undefined) seen.set(key, path);
        out.push({ type: "file", path, mode, uid, gid, mtime, content: fileContent(p, path, st.size) });
      }
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      out.push({ type: st.isCharacterDevice() ? "character-device" : "block-device", path, mode, uid, gid, mtime, devmajor: major(st.rdev), devminor: minor(st.rdev) });
    } else if (st.isFIFO()) {
      out.push({ type: "fifo", path, mode, uid, gid, mtime });
    }
  }
}
