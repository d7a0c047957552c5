/**
 * The copy op (COPY, ADD): sources from the build context or from another stage/image are
 * written into a writable snapshot of inputs[0] with BuildKit's rules: a directory source copies
 * its contents, a file goes into `dest/` when dest ends in `/` (or there are several sources, or
 * dest is an existing directory) and to `dest` otherwise; context files become root-owned unless
 * --chown says otherwise; --from files keep their owners; --chmod sets the mode.
 */
import { lstat, open, readdir, readlink, type FileHandle } from "node:fs/promises";
import { constants } from "node:fs";
import { posix } from "node:path";
import { InputError } from "../../core/errors.js";
import type { CopyOp } from "../../planner/plan.js";
import { openDirChain, openFileAt, openRoot, unchanged, changedError } from "../context-fs.js";
import { containsWildcards, select } from "../context-select.js";
import type { BuildContext, ContextEntry } from "../context-types.js";
import type { ResolvedInput } from "../types.js";
import { withReadOnlyView, withWritableStep } from "./step.js";
import type { FsResult, OpServices } from "./types.js";
import { dirIn, makeDirInDir, writeFileInDir, writeSymlinkInDir, type Owner, type WriteMeta } from "./write.js";

/** Item is one thing to write, relative to the destination it lands in. */
interface Item {
  readonly rel: string;
  readonly kind: "file" | "dir" | "symlink";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: Date;
  readonly target?: string;
  readonly open?: () => AsyncIterable<Uint8Array>;
}

/** parseChmod accepts BuildKit's octal --chmod; symbolic modes are refused clearly. */
function parseChmod(chmod: string | undefined): number | undefined {
  if (chmod === undefined) return undefined;
  if (/^[0-7]{1,4}$/.test(chmod)) return parseInt(chmod, 8);
  throw new InputError(`--chmod=${chmod}: tsbuild supports octal modes (e.g. 0755) so far, not symbolic ones`);
}

async function* readAll(fh: import("node:fs/promises").FileHandle): AsyncIterable<Uint8Array> {
  try {
    const buf = Buffer.alloc(1 << 16);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield Buffer.from(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}

/** contextItems lists what one context source writes, with confined readers for file contents. */
async function contextItems(ctx: BuildContext, source: string, op: CopyOp, root: FileHandle): Promise<{ items: Item[]; isDir: boolean }[]> {
  const sel = select(ctx, [source], { excludes: op.excludes, parents: op.parents });
  const opener = (e: ContextEntry) => async function* () {
    const slash = e.path.lastIndexOf("/");
    const dir = await openDirChain(root, slash < 0 ? "." : e.path.slice(0, slash), ctx.entries);
    try {
      const fh = await openFileAt(dir, e.path.slice(slash + 1));
      if (!unchanged(await fh.stat({ bigint: true }), e)) {
        await fh.close();
        throw changedError(e.path, "changed");
      }
      yield* readAll(fh);
    } finally {
      if (dir !== root) await dir.close();
    }
  };
  return sel.roots.map((r) => {
    const rootEntry = r.entries[0]!;
    const isDir = rootEntry.type === "dir";
    const base = op.parents ? "" : isDir ? (r.path === "." ? "" : `${r.path}/`) : r.path.slice(0, r.path.lastIndexOf("/") + 1);
    const items: Item[] = [];
    for (const e of r.entries) {
      if (isDir && e === rootEntry && !op.parents) continue;
      const rel = e.path.startsWith(base) ? e.path.slice(base.length) : e.path;
      if (rel === "" || rel === ".") continue;
      items.push({ rel, kind: e.type, mode: e.mode, uid: 0, gid: 0, mtime: new Date(Number(e.mtimeNs / 1_000_000n)), target: e.target, ...(e.type === "file" ? { open: opener(e) } : {}) });
    }
    return { items, isDir };
  });
}

/** treeItems walks a directory of a read-only stage view without following symlinks. */
async function treeItems(host: string, rel: string, out: Item[]): Promise<void> {
  const st = await lstat(host);
  const meta = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isSymbolicLink()) out.push({ rel, kind: "symlink", ...meta, target: await readlink(host) });
  else if (st.isFile()) out.push({ rel, kind: "file", ...meta, open: async function* () { yield* readAll(await open(host, constants.O_RDONLY | constants.O_NOFOLLOW)); } });
  else if (st.isDirectory()) {
    if (rel !== "") out.push({ rel, kind: "dir", ...meta });
    for (const name of (await readdir(host)).sort()) await treeItems(`${host}/${name}`, rel === "" ? name : `${rel}/${name}`, out);
  }
}

/** write puts items under destDir (a host dir inside rootfs), honoring owner and mode overrides. */
async function writeItems(services: OpServices, rootfs: string, destPath: string, items: readonly Item[], owner: Owner, mode: number | undefined): Promise<void> {
  for (const it of items) {
    const meta: WriteMeta = { mode: mode ?? it.mode, uid: owner?.uid ?? it.uid, gid: owner?.gid ?? it.gid, mtime: it.mtime };
    const full = posix.join(destPath, it.rel);
    const dir = await dirIn(services, rootfs, posix.dirname(full));
    const name = posix.basename(full);
    if (it.kind === "dir") await makeDirInDir(dir, name, meta);
    else if (it.kind === "symlink") await writeSymlinkInDir(dir, name, it.target ?? "", { ...meta, mode: 0o777 });
    else await writeFileInDir(dir, name, it.open!(), meta);
  }
}

/** destFor decides where a single-file source lands. */
async function destIsDir(services: OpServices, rootfs: string, op: CopyOp, many: boolean): Promise<boolean> {
  if (op.dest.endsWith("/") || many) return true;
  const host = await services.resolveInRoot(rootfs, op.dest);
  return host !== undefined && (await lstat(host)).isDirectory();
}

/** runCopy carries out a copy vertex. */
export async function runCopy(services: OpServices, op: CopyOp, inputs: readonly ResolvedInput<FsResult>[]): Promise<FsResult> {
  const groups: { items: Item[]; isDir: boolean }[] = [];
  const ctx = services.context;
  const ctxRoot = op.from === "context" && op.sources.some((s) => s.kind === "path") ? await openRootOf(ctx) : undefined;
  try {
    for (const s of op.sources) {
      if (s.kind === "url") throw new InputError(`ADD ${s.url}: downloading URLs is not supported by tsbuild yet`);
      if (s.kind === "inline" || !ctx || !ctxRoot) continue;
      groups.push(...(await contextItems(ctx, s.path, op, ctxRoot)));
    }
    return await copyGroups(services, op, inputs, groups);
  } finally {
    await ctxRoot?.close();
  }
}

/** openRootOf opens the context root for a copy that reads it. */
async function openRootOf(ctx: BuildContext | undefined): Promise<FileHandle> {
  if (!ctx) throw new InputError("COPY reads the build context, but this build has none");
  return openRoot(ctx.root);
}

/** copyGroups writes the listed groups, then --from sources and inline files, into a new step. */
async function copyGroups(services: OpServices, op: CopyOp, inputs: readonly ResolvedInput<FsResult>[], groups: { items: Item[]; isDir: boolean }[]): Promise<FsResult> {
  const mode = parseChmod(op.chmod);
  const inline = op.sources.filter((s) => s.kind === "inline");
  const fromInput = op.from === "input" ? inputs[1]?.result : undefined;
  const run = async (view: string | undefined) =>
    withWritableStep(services, inputs[0]!.result, async (rootfs) => {
      const owner: Owner = op.chown ? await services.resolveUser(rootfs, op.chown) : undefined;
      if (view !== undefined) {
        for (const s of op.sources) {
          if (s.kind !== "path") continue;
          if (containsWildcards(s.path)) throw new InputError(`COPY --from with wildcards (${s.path}) is not supported by tsbuild yet`);
          const host = await services.resolveInRoot(view, s.path);
          if (!host) throw new InputError(`COPY --from: ${JSON.stringify(s.path)}: not found`);
          const items: Item[] = [];
          const isDir = (await lstat(host)).isDirectory();
          await treeItems(host, isDir ? "" : posix.basename(s.path), items);
          groups.push({ items, isDir });
        }
      }
      const many = groups.length + inline.length > 1;
      const intoDir = await destIsDir(services, rootfs, op, many);
      const now = new Date((services.sourceDateEpoch ?? Math.floor(Date.now() / 1000)) * 1000);
      for (const g of groups) {
        if (g.isDir || intoDir) await writeItems(services, rootfs, op.dest, g.items, owner ?? (op.from === "context" ? { uid: 0, gid: 0 } : undefined), mode);
        else for (const it of g.items) await writeItems(services, rootfs, posix.dirname(op.dest), [{ ...it, rel: posix.basename(op.dest) }], owner ?? (op.from === "context" ? { uid: 0, gid: 0 } : undefined), mode);
      }
      for (const s of inline) {
        if (s.kind !== "inline") continue;
        const item: Item = { rel: intoDir ? s.file.name : posix.basename(op.dest), kind: "file", mode: s.file.mode, uid: 0, gid: 0, mtime: now, open: async function* () { yield Buffer.from(s.file.content); } };
        await writeItems(services, rootfs, intoDir ? op.dest : posix.dirname(op.dest), [item], owner, mode);
      }
    });
  return fromInput ? withReadOnlyView(services, fromInput, (view) => run(view)) : run(undefined);
}
