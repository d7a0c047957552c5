/**
 * copyDirect writes a COPY from the build context straight into its layer blob, in one pass over
 * the context files, when the layer it makes is known without a snapshot: one source, no --chown,
 * not ADD, and a destination whose first path component no layer below has (nor a whiteout of
 * it). Then every path the copy writes is new, overlayfs would copy nothing up and write no
 * whiteout, and the upper dir would hold exactly: the destination's directories as
 * resolveInRoot makes them (0755, owned by this process, modified during the build), and the
 * items with the metadata writeItems gives them. Those entries go to the same layer tar writer and
 * blob commit as a step's diff, so the layer is byte for byte the one the snapshot path makes, and
 * no file is created: the step's layer dir is unpacked from the blob only when a later step mounts
 * it (layer-dirs.ts). Files are read through the confined context access (context-fs.ts) and
 * checked against the walk's record before and after reading, as the snapshot path does.
 */
import { closeSync, fstatSync, lstatSync, readSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { hexOf } from "../../core/digest.js";
import type { CopyOp } from "../../planner/plan.js";
import type { LayerEntry } from "../../image/tar-entry.js";
import { changedError, DirChainSync, openContextFile, openContextFileSync, openDirChain, requireProcFd, requireUnchanged, sameInode } from "../context-fs.js";
import type { BuildContext, ContextEntry } from "../context-types.js";
import type { ModeFn } from "./chmod.js";
import type { Group, Item } from "./copy-items.js";
import { commitLayerEntries } from "./layer.js";
import type { FsResult, OpServices } from "./types.js";

/** components splits an absolute rootfs path into its names, or undefined when it holds `..` (resolving that needs the rootfs). */
function components(path: string): string[] | undefined {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  return parts.includes("..") ? undefined : parts;
}

/** absentBelow reports whether no layer dir of `parent` has an entry named `name` at its root (every dir must exist). */
function absentBelow(parent: FsResult, name: string): boolean {
  for (const l of parent.layers) {
    try {
      if (!lstatSync(l.dir).isDirectory()) return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false; // a layer dir not unpacked yet: take the snapshot path
      throw err;
    }
    try {
      // `name` is one path component (no `/`, `.` or `..`), looked up without following a symlink.
      lstatSync(`${l.dir}/${name}`);
      return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return true;
}

/** Plan is where a direct copy puts its items: the rootfs directory they go into, and each item's path there. */
interface Plan {
  readonly into: string[];
  readonly items: readonly { readonly item: Item; readonly path: string }[];
}

/** planOf places the items of the one group as writeGroup would, or returns undefined when the copy needs a snapshot. */
function planOf(op: CopyOp, parent: FsResult, groups: readonly Group[]): Plan | undefined {
  if (op.from !== "context" || op.add || op.chown !== undefined || op.sources.length !== 1 || op.sources[0]?.kind !== "path" || groups.length !== 1) return undefined;
  const g = groups[0] as Group;
  if (g.items.length === 0) return undefined;
  const dest = components(op.dest);
  if (dest === undefined || dest.length === 0 || !absentBelow(parent, dest[0] as string)) return undefined;
  // dest does not exist, so it is a directory only when written with a trailing slash (one source).
  if (g.isDir || op.dest.endsWith("/")) return { into: dest, items: g.items.map((item) => ({ item, path: [...dest, item.rel].join("/") })) };
  if (g.items.length !== 1) return undefined;
  return { into: dest.slice(0, -1), items: [{ item: g.items[0] as Item, path: dest.join("/") }] };
}

/** readSyncInto reads the context file `e` (through `chain`) into target at offset, refusing it unless it is still what the walk saw. */
function readSyncInto(chain: DirChainSync, e: ContextEntry, target: Buffer, offset: number): void {
  const slash = e.path.lastIndexOf("/");
  const fd = openContextFileSync(chain.open(slash < 0 ? "." : e.path.slice(0, slash)), e);
  try {
    const want = Number(e.size) + 1;
    let got = 0;
    for (let n = -1; n !== 0 && got < want; got += n) n = readSync(fd, target, offset + got, want - got, null);
    if (got !== want - 1) throw changedError(e.path, "was modified");
    requireUnchanged(fstatSync(fd, { bigint: true }), e);
  } finally {
    closeSync(fd);
  }
}

/** readStream streams the context file `e` from the root `root`, refusing it unless it is still what the walk saw, before and after. */
async function* readStream(root: FileHandle, ctx: BuildContext, e: ContextEntry): AsyncGenerator<Uint8Array> {
  const slash = e.path.lastIndexOf("/");
  const dir = await openDirChain(root, slash < 0 ? "." : e.path.slice(0, slash), ctx.entries);
  try {
    const fh = await openContextFile(dir, e);
    try {
      for (;;) {
        const { bytesRead, buffer } = await fh.read(Buffer.allocUnsafe(READ_BYTES), 0, READ_BYTES, null);
        if (bytesRead === 0) break;
        yield buffer.subarray(0, bytesRead);
      }
      requireUnchanged(await fh.stat({ bigint: true }), e);
    } finally {
      await fh.close();
    }
  } finally {
    if (dir !== root) await dir.close();
  }
}

/** READ_BYTES is the size of the reads that stream a large context file. */
const READ_BYTES = 1 << 20;

/** metaOf is an item's mode, owner and mtime (whole seconds) as writeItems sets them. */
function metaOf(item: Item, mode: ModeFn | undefined): { mode: number; uid: number; gid: number; mtime: number } {
  return { mode: mode ? mode(item.mode, item.kind === "dir") : item.mode, uid: item.uid, gid: item.gid, mtime: Math.floor(item.mtime.getTime() / 1000) };
}

/** entriesOf lists the layer's entries: the directories the copy makes for the destination, then the items. */
function entriesOf(plan: Plan, ctx: BuildContext, root: FileHandle, chain: DirChainSync, mode: ModeFn | undefined, now: number): LayerEntry[] {
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  const out: LayerEntry[] = plan.into.map((_, i) => ({ type: "directory", path: plan.into.slice(0, i + 1).join("/"), mode: 0o755, uid, gid, mtime: now }));
  for (const { item, path } of plan.items) {
    const meta = metaOf(item, mode);
    if (item.kind === "dir") out.push({ type: "directory", path, ...meta });
    else if (item.kind === "symlink") out.push({ type: "symlink", path, ...meta, mode: 0o777, target: item.target ?? "" });
    else {
      const e = item.entry;
      if (!e) throw new TypeError(`COPY item ${item.rel} has no context entry`);
      const size = Number(e.size);
      out.push({ type: "file", path, ...meta, content: { size, open: () => readStream(root, ctx, e), readInto: (target, offset) => readSyncInto(chain, e, target, offset) } });
    }
  }
  return out;
}

/**
 * copyDirect writes the copy of `groups` (the items of op's one context source) onto `parent` as
 * a layer blob and returns parent plus the new layer (its dir not made), or undefined when the
 * copy must go through a snapshot (see the module comment). `root` is the open context root.
 */
export async function copyDirect(services: OpServices, op: CopyOp, parent: FsResult, groups: readonly Group[], root: FileHandle, mode: ModeFn | undefined): Promise<FsResult | undefined> {
  const ctx = services.context;
  const plan = ctx ? planOf(op, parent, groups) : undefined;
  if (!ctx || !plan) return undefined;
  requireProcFd();
  if (!sameInode(await root.stat({ bigint: true }), ctx.entries.get(".") as ContextEntry)) throw changedError(".", "was replaced");
  const chain = new DirChainSync(root.fd, ctx.entries);
  try {
    // The destination's new directories: the snapshot path's are modified while the copy runs (the layer writer clamps to SOURCE_DATE_EPOCH).
    const now = Math.floor(Date.now() / 1000);
    const blob = await commitLayerEntries(services, entriesOf(plan, ctx, root, chain, mode, now));
    return { layers: [...parent.layers, { dir: `${services.layerRoot}/${hexOf(blob.diffId)}`, blobs: [blob], created: Math.floor(Date.now() / 1000) }] };
  } finally {
    chain.close();
  }
}
