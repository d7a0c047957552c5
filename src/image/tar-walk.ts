import { createReadStream, type Stats } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import type { LayerEntry } from "./tar-entry.js";

/** major and minor split a Linux dev_t (glibc's encoding) into device numbers. */
function major(rdev: number): number {
  return Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
}
function minor(rdev: number): number {
  return Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);
}

/** LSTAT_BATCH is how many lstat calls of one directory are in flight at once (they overlap on libuv's thread pool). */
const LSTAT_BATCH = 64;

/** lstatAll lstats paths in batches, keeping their order. */
async function lstatAll(paths: readonly string[]): Promise<Stats[]> {
  const out: Stats[] = [];
  for (let i = 0; i < paths.length; i += LSTAT_BATCH) out.push(...(await Promise.all(paths.slice(i, i + LSTAT_BATCH).map((p) => lstat(p)))));
  return out;
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
  const names = (await readdir(abs)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const stats = await lstatAll(names.map((name) => join(abs, name)));
  for (const [i, name] of names.entries()) {
    const p = join(abs, name);
    const r = rel ? `${rel}/${name}` : name;
    const st = stats[i] as Stats;
    const common = { path: r, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.trunc(st.mtimeMs / 1000) };
    if (st.isDirectory()) {
      out.push({ ...common, type: "directory" });
      await walk(p, r, out, seen);
    } else if (st.isSymbolicLink()) {
      out.push({ ...common, type: "symlink", target: await readlink(p) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? seen.get(key) : undefined;
      if (first !== undefined) out.push({ ...common, type: "hardlink", target: first });
      else {
        if (st.nlink > 1) seen.set(key, r);
        out.push({ ...common, type: "file", content: { size: st.size, open: () => createReadStream(p) } });
      }
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      out.push({ ...common, type: st.isCharacterDevice() ? "character-device" : "block-device", devmajor: major(st.rdev), devminor: minor(st.rdev) });
    } else if (st.isFIFO()) {
      out.push({ ...common, type: "fifo" });
    }
  }
}
