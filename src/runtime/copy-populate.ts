import { constants, type BigIntStats } from "node:fs";
import { chmod, copyFile, lchown, lstat, lutimes, mkdir, readlink, rm, symlink } from "node:fs/promises";
import { OVERLAY_XATTR_PREFIX } from "./diff.js";
import { makeNodes } from "./nodes.js";
import { devNumbers, isOverlayWhiteout, walkTree, type TreeNode } from "./tree.js";
import { readXattrTree, writeXattrs, type Xattrs } from "./xattr.js";

/** Populate collects what is applied after all lowers are copied: directory times and every path's attributes. */
interface Populate {
  readonly target: string;
  readonly dirs: Map<string, BigIntStats>;
  readonly xattrs: Map<string, Xattrs>;
}

/** lstatOrUndefined is lstat that answers undefined for a missing path. */
export async function lstatOrUndefined(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** layerAttrs drops overlayfs's own attributes, which describe a layer dir, not a file of the image. */
export function layerAttrs(all: Xattrs | undefined): Xattrs {
  return Object.fromEntries(Object.entries(all ?? {}).filter(([name]) => !name.startsWith(OVERLAY_XATTR_PREFIX)));
}

function forget(p: Populate, rel: string): void {
  const prefix = `${rel}/`;
  for (const map of [p.dirs, p.xattrs] as Map<string, unknown>[]) {
    for (const key of map.keys()) if (key === rel || key.startsWith(prefix)) map.delete(key);
  }
}

async function remove(p: Populate, rel: string): Promise<void> {
  await rm(`${p.target}/${rel}`, { recursive: true, force: true });
  forget(p, rel);
}

/** copyNode recreates one non-directory entry of a layer dir at `dst` with its owner, mode and times. */
export async function copyNode(src: string, st: BigIntStats, dst: string): Promise<void> {
  if (st.isFile()) await copyFile(src, dst, constants.COPYFILE_FICLONE);
  else if (st.isSymbolicLink()) await symlink(await readlink(src), dst);
  else if (st.isFIFO()) await makeNodes([{ path: dst, type: "fifo" }]);
  else await makeNodes([{ path: dst, type: st.isCharacterDevice() ? "char" : "block", ...numbers(st) }]);
  await lchown(dst, Number(st.uid), Number(st.gid));
  // chmod after chown: chown clears setuid/setgid. Symlinks have no mode of their own.
  if (!st.isSymbolicLink()) await chmod(dst, Number(st.mode & 0o7777n));
  await lutimes(dst, Number(st.atimeNs) / 1e9, Number(st.mtimeNs) / 1e9);
}

function numbers(st: BigIntStats): { major: number; minor: number } {
  return devNumbers(st.rdev);
}

async function applyDir(p: Populate, node: TreeNode, opaque: boolean): Promise<void> {
  const dst = `${p.target}/${node.rel}`;
  let existing = await lstatOrUndefined(dst);
  if (existing && (opaque || !existing.isDirectory())) {
    await remove(p, node.rel);
    existing = undefined;
  }
  if (!existing) await mkdir(dst);
  await lchown(dst, Number(node.st.uid), Number(node.st.gid));
  await chmod(dst, Number(node.st.mode & 0o7777n));
  p.dirs.set(node.rel, node.st);
}

/**
 * applyLower copies one layer dir (overlay upper format) onto the merged tree: whiteouts remove
 * the path, an opaque directory replaces whatever was there, a directory merges into an
 * existing one, anything else replaces the path. Hardlinks are copied as separate files, which
 * is what a copy-up in overlayfs (without its index) does to them as well.
 */
async function applyLower(p: Populate, lower: string, signal: AbortSignal | undefined): Promise<void> {
  const attrs = await readXattrTree(lower);
  for await (const node of walkTree(lower)) {
    signal?.throwIfAborted();
    const all = attrs.get(node.rel);
    if (isOverlayWhiteout(node.st) || (node.st.isFile() && all?.[`${OVERLAY_XATTR_PREFIX}whiteout`])) {
      await remove(p, node.rel);
      continue;
    }
    if (node.st.isSocket()) continue; // diffUpper leaves sockets out of layers; none reach a lower
    if (node.st.isDirectory()) {
      await applyDir(p, node, all?.[`${OVERLAY_XATTR_PREFIX}opaque`]?.toString("latin1") === "y");
    } else {
      if (await lstatOrUndefined(`${p.target}/${node.rel}`)) await remove(p, node.rel);
      await copyNode(node.abs, node.st, `${p.target}/${node.rel}`);
    }
    p.xattrs.set(node.rel, layerAttrs(all));
  }
}

/**
 * populateCopy builds the merged view of `lowers` (top first) in the empty directory `target` by
 * copying, as overlayfs would show it: owners, modes, times and attributes kept. Attributes are
 * set after every chown (which would clear security.capability), directory times last.
 * `signal` aborts between entries.
 */
export async function populateCopy(lowers: readonly string[], target: string, signal?: AbortSignal): Promise<void> {
  const p: Populate = { target, dirs: new Map(), xattrs: new Map() };
  for (const lower of [...lowers].reverse()) await applyLower(p, lower, signal);
  await writeXattrs([...p.xattrs].map(([rel, xattrs]) => ({ path: `${target}/${rel}`, xattrs })));
  const dirs = [...p.dirs].sort(([a], [b]) => b.length - a.length);
  for (const [rel, st] of dirs) await lutimes(`${target}/${rel}`, Number(st.atimeNs) / 1e9, Number(st.mtimeNs) / 1e9);
}
