import { lstat, readdir, rmdir } from "node:fs/promises";
import { OVERLAY_XATTR_PREFIX } from "./diff.js";
import { readXattrTree, type Xattrs } from "./xattr.js";

/** StubParent is a directory above a mount point of a step, with its mode and owner before the step ran. */
export interface StubParent {
  /** The directory's path relative to the rootfs, `/`-separated, without leading slash. */
  readonly rel: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** realDirIn returns `upper/rel` when every component of it is a real directory (no symlinks), else undefined. */
async function realDirIn(upper: string, rel: string): Promise<string | undefined> {
  let at = upper;
  for (const part of rel.split("/")) {
    if (part === "" || part === "." || part === "..") return undefined;
    at = `${at}/${part}`;
    const st = await lstat(at).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
      throw err;
    });
    if (!st?.isDirectory()) return undefined;
  }
  return at;
}

/**
 * pruneStubParents removes from a step's upper dir (after it is unmounted) the directories that
 * are there only because the runtime created a mount point inside them (overlayfs copies a
 * directory up when a file is created in it, and the stub is removed after the run). Each listed
 * directory, deepest first, is removed when it is a real directory in `upper`, empty, not opaque,
 * and still has the mode and owner it had before the step. BuildKit's differ leaves such
 * directories out of the layer too: it skips directories whose metadata matches the lower's.
 * Returns how many it removed. `attrs`, when given, is readXattrTree(upper) as read since the
 * dir last changed (it saves reading each directory's attributes on its own).
 */
export async function pruneStubParents(upper: string, parents: readonly StubParent[], attrs?: ReadonlyMap<string, Xattrs>): Promise<number> {
  const ordered = [...new Map(parents.map((p) => [p.rel, p])).values()].sort((a, b) => b.rel.split("/").length - a.rel.split("/").length);
  let removed = 0;
  for (const p of ordered) {
    const dir = await realDirIn(upper, p.rel);
    if (dir === undefined || (await readdir(dir)).length > 0) continue;
    const st = await lstat(dir);
    if ((st.mode & 0o7777) !== p.mode || st.uid !== p.uid || st.gid !== p.gid) continue;
    const own = (attrs ? attrs.get(p.rel) : (await readXattrTree(dir)).get("")) ?? {};
    if (Object.keys(own).some((name) => !name.startsWith(OVERLAY_XATTR_PREFIX) || name === `${OVERLAY_XATTR_PREFIX}opaque`)) continue;
    await rmdir(dir);
    removed++;
  }
  return removed;
}
