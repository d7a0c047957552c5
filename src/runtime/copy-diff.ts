import type { BigIntStats } from "node:fs";
import { chmod, lchown, link, lstat, lutimes, mkdir, rename, rm, utimes } from "node:fs/promises";
import { TsbuildError } from "../core/index.js";
import { compareBytes } from "../core/utf8-order.js";
import { OVERLAY_XATTR_PREFIX } from "./diff.js";
import { copyNode, layerAttrs } from "./copy-populate.js";
import { makeWhiteouts } from "./nodes.js";
import { isOverlayWhiteout, listDir, walkTree } from "./tree.js";
import { readXattrTree, writeXattrs, type XattrWrite } from "./xattr.js";

/** BaseEntry is how a path of a copied snapshot looked before the step ran. */
interface BaseEntry {
  readonly ino: bigint;
  readonly birth: bigint;
  readonly ctime: bigint;
  readonly dir: boolean;
}

/** CopyBase is the recorded state of a populated copy: every path, and each directory's children. */
export interface CopyBase {
  readonly entries: Map<string, BaseEntry>;
  readonly children: Map<string, string[]>;
}

/** Change is one step of turning the changed tree into an upper dir, in tree order. */
interface Change {
  readonly rel: string;
  readonly kind: "dir" | "opaque" | "move" | "whiteout";
  readonly st?: BigIntStats;
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf("/");
  return i < 0 ? "" : rel.slice(0, i);
}

/**
 * recordBase notes the identity (inode and birth time, since inode numbers are reused at once)
 * and change time of every path under `target`, then waits until the filesystem clock has moved
 * past the newest change time, so that any later change gives a newer ctime.
 */
export async function recordBase(target: string): Promise<CopyBase> {
  const base: CopyBase = { entries: new Map(), children: new Map([["", []]]) };
  let newest = 0n;
  for await (const { rel, st } of walkTree(target)) {
    base.entries.set(rel, { ino: st.ino, birth: st.birthtimeNs, ctime: st.ctimeNs, dir: st.isDirectory() });
    base.children.get(parentOf(rel))?.push(rel);
    if (st.isDirectory()) base.children.set(rel, []);
    if (st.ctimeNs > newest) newest = st.ctimeNs;
  }
  const now = new Date();
  for (let i = 0; i < 500; i++) {
    await utimes(target, now, now); // the root's times are never part of a layer
    if ((await lstat(target, { bigint: true })).ctimeNs > newest) return base;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new TsbuildError("Snapshot", `the clock of the filesystem holding ${target} does not advance`);
}

function sameInode(b: BaseEntry, st: BigIntStats): boolean {
  return b.ino === st.ino && (b.birth === 0n || b.birth === st.birthtimeNs);
}

/**
 * planChanges compares the tree under `target` with `base` the way overlayfs's copy-up would have
 * recorded it: a changed or new entry is copied, with its parent directories; a directory that
 * replaced a lower path is opaque; a deleted path (only the topmost one) is a whiteout.
 */
async function planChanges(base: CopyBase, target: string, rel: string, same: boolean): Promise<Change[]> {
  const names = (await listDir(rel === "" ? target : `${target}/${rel}`)).map((n) => (rel === "" ? n : `${rel}/${n}`));
  const present = new Set(names);
  const gone = same ? (base.children.get(rel) ?? []).filter((r) => !present.has(r)) : [];
  const out: Change[] = [];
  for (const child of [...names, ...gone].sort(compareBytes)) {
    if (!present.has(child)) {
      out.push({ rel: child, kind: "whiteout" });
      continue;
    }
    const st = await lstat(`${target}/${child}`, { bigint: true });
    if (isOverlayWhiteout(st)) {
      throw new TsbuildError("Snapshot", `${target}/${child} is a character device 0/0, which layers use for whiteouts (overlayfs refuses to create one too)`);
    }
    const b = same ? base.entries.get(child) : undefined;
    if (st.isDirectory()) {
      const kept = b !== undefined && b.dir && sameInode(b, st);
      const sub = await planChanges(base, target, child, kept);
      if (!kept) out.push({ rel: child, kind: b ? "opaque" : "dir", st }, ...sub);
      else if (sub.length > 0 || b.ctime !== st.ctimeNs) out.push({ rel: child, kind: "dir", st }, ...sub);
    } else if (!b || b.dir || !sameInode(b, st) || b.ctime !== st.ctimeNs) {
      out.push({ rel: child, kind: "move", st });
    }
  }
  return out;
}

/** Copies tracks what moveOrCopy copied across filesystems: attributes still to set, and the first copy of each hardlinked inode. */
interface Copies {
  readonly attrs: XattrWrite[];
  readonly inodes: Map<string, string>;
}

/** moveOrCopy moves a changed entry into the upper dir; across filesystems it copies, keeping hardlinks linked. */
async function moveOrCopy(copies: Copies, from: string, to: string, st: BigIntStats, xattrs: Record<string, Buffer>): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1n ? copies.inodes.get(key) : undefined;
    if (first !== undefined) return link(first, to);
    await copyNode(from, st, to);
    copies.attrs.push({ path: to, xattrs });
    if (st.nlink > 1n) copies.inodes.set(key, to);
  }
}

/**
 * writeCopyDiff turns the changes made to a populated copy since `base` into an overlay upper dir
 * at `upper` (which must be empty), so that diffUpper(upper) lists exactly what an overlay mount
 * would have: changed entries are moved (or copied across filesystems) from `target`, parent
 * directories are recreated with their metadata, whiteouts are 0/0 devices and replaced
 * directories carry `trusted.overlay.opaque=y`. `target` is emptied afterwards.
 */
export async function writeCopyDiff(base: CopyBase, target: string, upper: string): Promise<void> {
  if ((await listDir(upper)).length > 0) throw new TsbuildError("Snapshot", `upper dir ${upper} is not empty`);
  const changes = await planChanges(base, target, "", true);
  const attrs = await readXattrTree(target);
  const writes: XattrWrite[] = [];
  const copies: Copies = { attrs: writes, inodes: new Map() };
  const whiteouts: string[] = [];
  const dirs: Change[] = [];
  for (const c of changes) {
    const to = `${upper}/${c.rel}`;
    const xattrs = layerAttrs(attrs.get(c.rel));
    if (c.kind === "whiteout") whiteouts.push(to);
    else if (c.kind === "move" && c.st) await moveOrCopy(copies, `${target}/${c.rel}`, to, c.st, xattrs);
    else if (c.st) {
      await mkdir(to);
      await lchown(to, Number(c.st.uid), Number(c.st.gid));
      await chmod(to, Number(c.st.mode & 0o7777n));
      if (c.kind === "opaque") xattrs[`${OVERLAY_XATTR_PREFIX}opaque`] = Buffer.from("y");
      writes.push({ path: to, xattrs });
      dirs.push(c);
    }
  }
  await makeWhiteouts(whiteouts);
  await writeXattrs(writes);
  for (const d of dirs.reverse()) {
    const st = d.st as BigIntStats;
    await lutimes(`${upper}/${d.rel}`, Number(st.atimeNs) / 1e9, Number(st.mtimeNs) / 1e9);
  }
  for (const name of await listDir(target)) await rm(`${target}/${name}`, { recursive: true, force: true });
}
