/**
 * The safe layer unpacker. Approach: Node.js has no openat/openat2, so instead of walking with
 * directory file descriptors every entry name is split into validated components (no absolute
 * names, no `..`) and its parents are checked one at a time under the snapshot root with lstat
 * (src/image/rooted.ts): a parent that is a symlink or not a directory refuses the layer, a
 * missing one is created. The final component is never followed: an existing file or symlink is
 * removed and the entry created fresh (`wx`, so an open never writes through a link). The
 * snapshot directory belongs to the unpacker while it runs, so nothing swaps a checked parent
 * for a symlink between check and use.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { promisify } from "node:util";
import type { Digest } from "../core/digest.js";
import type { ByteStream } from "./bytes.js";
import { decompressLayer, LimitError } from "./decompress.js";
import { isPlainDir, lstatSyncOrUndefined as lstatOrUndefined, RootedDir, splitEntryName, UnpackError } from "./rooted.js";
import { readTar, type TarHeader } from "./tar-reader.js";
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from "./tar-entry.js";

/** UnpackLimits bound what one layer may cost; README "Limits" documents the defaults. */
export interface UnpackLimits {
  readonly maxUncompressedBytes: number;
  readonly maxEntries: number;
  readonly maxHeaderBytes: number;
  readonly maxPathBytes: number;
  readonly maxDepth: number;
}

/** DEFAULT_UNPACK_LIMITS are generous for real images (the largest common layers are a few GiB with ~100k files) and stop bombs. */
export const DEFAULT_UNPACK_LIMITS: UnpackLimits = {
  maxUncompressedBytes: 16 * 1024 ** 3,
  maxEntries: 1_000_000,
  maxHeaderBytes: 1024 * 1024,
  maxPathBytes: 4096,
  maxDepth: 256,
};

/** UnpackOptions choose what the unpacker may create. */
export interface UnpackOptions {
  readonly limits?: Partial<UnpackLimits>;
  /** keepSetuid keeps setuid/setgid bits on files (the builder's rootfs needs them; a plain extract does not). */
  readonly keepSetuid?: boolean;
  /** chown applies the entries' uid/gid; defaults to true when running as root. */
  readonly chown?: boolean;
  /**
   * devices says what to do with device nodes: skip them (default, reported), refuse the layer, or
   * create them with mknod(1) — allowed only when running as root, since only root may mknod.
   */
  readonly devices?: "skip" | "refuse" | "create";
}

/** UnpackResult reports the layer's diffID, counts, and entries that were skipped on purpose. */
export interface UnpackResult {
  readonly diffId: Digest;
  readonly entries: number;
  readonly skipped: readonly { readonly entry: string; readonly reason: string }[];
}

interface Ctx {
  readonly dir: RootedDir;
  readonly opts: UnpackOptions;
  readonly limits: UnpackLimits;
  readonly chown: boolean;
  readonly isRoot: boolean;
  readonly created: Set<string>;
  readonly touched: Set<string>;
  readonly dirs: Map<string, { h: TarHeader; parts: readonly string[] }>;
  readonly skipped: { entry: string; reason: string }[];
}

/**
 * unpackLayer applies one layer (gzip or plain tar, by magic) onto the snapshot directory `dest`,
 * which holds the lower layers already applied. Whiteouts delete lower content (`.wh..wh..opq`
 * applies first whatever its position: only children this layer did not create are removed).
 * It is safe against hostile tars: absolute names, `..`, and any write, whiteout or hardlink
 * whose parent is a symlink are refused with an UnpackError naming the entry (see RootedDir for
 * how paths are resolved); hardlinks may only point at earlier non-directory entries inside the
 * rootfs; device nodes are skipped, refused, or (as root, on request) made with mknod(1); setuid/setgid bits are
 * dropped unless `keepSetuid`; sizes, entry count, header size, path length and depth are capped
 * (LimitError). xattrs are read byte-exact but not applied: Node has no setxattr. `dest` must be
 * private to this call while it runs. On error the snapshot is partial; callers discard it.
 */
export async function unpackLayer(source: ByteStream, dest: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  const limits = { ...DEFAULT_UNPACK_LIMITS, ...opts.limits };
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const ctx: Ctx = { dir: new RootedDir(dest), opts, limits, chown: opts.chown ?? isRoot, isRoot, created: new Set(), touched: new Set(), dirs: new Map(), skipped: [] };
  await mkdir(dest, { recursive: true });
  const hash = createHash("sha256");
  let count = 0;
  for await (const { header, body } of readTar(decompressLayer(source, limits.maxUncompressedBytes, hash), { maxHeaderBytes: limits.maxHeaderBytes })) {
    if (++count > limits.maxEntries) throw new LimitError(`layer has more than ${limits.maxEntries} entries (the limit)`);
    await applyEntry(ctx, header, body);
  }
  await finishDirs(ctx);
  return { diffId: `sha256:${hash.digest("hex")}` as Digest, entries: count, skipped: ctx.skipped };
}

function markCreated(ctx: Ctx, parts: readonly string[]): void {
  ctx.created.add(parts.join("/"));
  for (let i = 1; i < parts.length; i++) ctx.touched.add(parts.slice(0, i).join("/"));
}

async function applyEntry(ctx: Ctx, h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
  // `tar -C dir -cf x.tar .` writes the root itself as "./"; the snapshot root keeps its own attributes.
  if (h.type === "directory" && h.name.split("/").every((p) => p === "" || p === ".")) return;
  const parts = splitEntryName(h.name, ctx.limits.maxPathBytes, ctx.limits.maxDepth);
  const base = parts[parts.length - 1] as string;
  if (base.startsWith(WHITEOUT_PREFIX)) return applyWhiteout(ctx, parts, h.name);
  // Deviation: device nodes are skipped unless asked for as root: Node.js cannot mknod (grammar/DEVIATIONS.md).
  const isDevice = h.type === "character-device" || h.type === "block-device";
  if (isDevice && ctx.opts.devices === "refuse") throw new UnpackError(h.name, "is a device node, and this unpack refuses device nodes");
  if (isDevice && !(ctx.opts.devices === "create" && ctx.isRoot)) {
    ctx.skipped.push({ entry: h.name, reason: ctx.opts.devices === "create" ? "device node (creating one needs root)" : "device node (not created unless devices: \"create\")" });
    return;
  }
  const parent = (await ctx.dir.parent(parts, h.name, true)) as string;
  const abs = `${parent}/${base}`;
  const existing = lstatOrUndefined(abs);
  markCreated(ctx, parts);
  if (h.type === "directory") {
    if (!existing?.isDirectory()) {
      if (existing) unlinkSync(abs);
      mkdirSync(abs, { mode: 0o700 });
    }
    ctx.dirs.set(abs, { h, parts });
    return;
  }
  if (existing) remove(ctx, abs);
  if (h.type === "file") return writeFile(ctx, abs, h, body);
  if (h.type === "symlink") symlinkSync(h.linkname, abs);
  else if (h.type === "link") return hardlink(ctx, abs, h); // a hardlink shares its target's inode, owner, mode and times
  else if (h.type === "fifo") await promisify(execFile)("mkfifo", ["-m", "600", abs]);
  else if (isDevice) await promisify(execFile)("mknod", ["-m", "600", abs, h.type === "block-device" ? "b" : "c", String(h.devmajor), String(h.devminor)]);
  setMeta(ctx, abs, h);
}

/** remove deletes a path (recursively) and makes the RootedDir forget directories it knew there. */
function remove(ctx: Ctx, abs: string): void {
  ctx.dir.forget(abs);
  rmSync(abs, { recursive: true, force: true });
}

function modeOf(ctx: Ctx, h: TarHeader): number {
  return ctx.opts.keepSetuid ? h.mode & 0o7777 : h.mode & (h.type === "directory" ? 0o3777 : 0o1777);
}

/**
 * writeFile creates a regular file (never through an existing link: `wx`) and writes the entry's
 * bytes. The unpacker's file calls are synchronous: each is one short syscall on a private tree,
 * and a thread-pool round trip per call would cost more than the work (the gunzip keeps running
 * on the thread pool meanwhile).
 */
async function writeFile(ctx: Ctx, abs: string, h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
  const fd = openSync(abs, "wx", 0o600);
  try {
    for await (const chunk of body) {
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
    }
    if (ctx.chown) fchownSync(fd, h.uid, h.gid);
    fchmodSync(fd, modeOf(ctx, h));
    futimesSync(fd, h.mtime, h.mtime);
  } finally {
    closeSync(fd);
  }
}

function setMeta(ctx: Ctx, abs: string, h: TarHeader): void {
  if (ctx.chown) lchownSync(abs, h.uid, h.gid);
  // Symlink modes are not settable on Linux; chmod would follow the link.
  if (h.type !== "symlink") chmodSync(abs, modeOf(ctx, h));
  lutimesSync(abs, h.mtime, h.mtime);
}

async function hardlink(ctx: Ctx, abs: string, h: TarHeader): Promise<void> {
  const target = splitEntryName(h.linkname, ctx.limits.maxPathBytes, ctx.limits.maxDepth, h.name);
  const parent = await ctx.dir.parent(target, h.name, false);
  const st = parent === undefined ? undefined : lstatOrUndefined(`${parent}/${target[target.length - 1]}`);
  if (!st) throw new UnpackError(h.name, `is a hardlink to ${JSON.stringify(h.linkname)}, which does not exist in the rootfs`);
  if (st.isDirectory()) throw new UnpackError(h.name, `is a hardlink to the directory ${JSON.stringify(h.linkname)}`);
  linkSync(`${parent}/${target[target.length - 1]}`, abs);
}

async function applyWhiteout(ctx: Ctx, parts: string[], entry: string): Promise<void> {
  const base = parts[parts.length - 1] as string;
  const dirParts = parts.slice(0, -1);
  if (base === OPAQUE_MARKER) {
    const parent = await ctx.dir.parent([...dirParts, base], entry, false);
    if (parent === undefined || !lstatOrUndefined(parent)?.isDirectory()) return;
    return removeLower(ctx, parent, dirParts.join("/"));
  }
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === "" || name === "." || name === ".." || name.startsWith(WHITEOUT_PREFIX)) {
    throw new UnpackError(entry, `is a malformed whiteout (${JSON.stringify(base)} names no file)`);
  }
  const target = [...dirParts, name];
  if (ctx.created.has(target.join("/"))) return; // whiteouts only hide lower layers' files
  const parent = await ctx.dir.parent(target, entry, false);
  if (parent !== undefined) remove(ctx, `${parent}/${name}`);
}

/** removeLower deletes every child of a directory that this layer did not create, keeping directories it wrote into. */
async function removeLower(ctx: Ctx, abs: string, rel: string): Promise<void> {
  for (const child of readdirSync(abs)) {
    const r = rel ? `${rel}/${child}` : child;
    const p = `${abs}/${child}`;
    // Only real directories are descended into: a child this layer replaced with a symlink must not lead the removal outside.
    const isDir = lstatOrUndefined(p)?.isDirectory() === true;
    if (isDir && (ctx.touched.has(r) || ctx.dirs.has(p))) await removeLower(ctx, p, r);
    else if (!ctx.created.has(r)) remove(ctx, p);
  }
}

/** finishDirs applies directory owners, modes and mtimes last (deepest first), since creating children changes them. */
async function finishDirs(ctx: Ctx): Promise<void> {
  const dirs = [...ctx.dirs].sort(([a], [b]) => b.length - a.length);
  for (const [abs, { h, parts }] of dirs) {
    // Skip directories removed or replaced later in the layer, including ones now reached through a symlink.
    if (!(await isPlainDir(ctx.dir, parts))) continue;
    setMeta(ctx, abs, h);
  }
}
