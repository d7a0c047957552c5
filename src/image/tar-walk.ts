import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { readIntoSync } from "../core/read-into.js";
import { compareTarPaths, type LayerEntry } from "./tar-entry.js";

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

async function walk(abs: string, rel: string, out: LayerEntry[], seen: Map<string, string>): Promise<void> {
  // Synchronous calls: one short syscall each beats a thread-pool round trip per entry.
  const names = readdirSync(abs).sort(compareTarPaths); // names hold no "/": bytewise UTF-8 order
  for (const name of names) {
    const p = join(abs, name);
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(p);
    const common = { path: r, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.trunc(st.mtimeMs / 1000) };
    if (st.isDirectory()) {
      out.push({ ...common, type: "directory" });
      await walk(p, r, out, seen);
    } else if (st.isSymbolicLink()) {
      out.push({ ...common, type: "symlink", target: readlinkSync(p) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? seen.get(key) : undefined;
      if (first !== undefined) out.push({ ...common, type: "hardlink", target: first });
      else {
        if (st.nlink > 1) seen.set(key, r);
        out.push({ ...common, type: "file", content: { size: st.size, open: () => (st.size <= SMALL_FILE_BYTES ? readWhole(p) : createReadStream(p)), ...(st.size <= SMALL_FILE_BYTES ? { readInto: readIntoSync(p, r, st.size) } : {}) } });
      }
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      out.push({ ...common, type: st.isCharacterDevice() ? "character-device" : "block-device", devmajor: major(st.rdev), devminor: minor(st.rdev) });
    } else if (st.isFIFO()) {
      out.push({ ...common, type: "fifo" });
    }
  }
}
