/**
 * The copy op (COPY, ADD): sources from the build context, from another stage/image, or (ADD)
 * from http(s) URLs are written into a writable snapshot of inputs[0] with BuildKit's rules: a
 * directory source copies its contents, a file goes into `dest/` when dest ends in `/` (or there
 * are several sources, or dest is an existing directory) and to `dest` otherwise; context files
 * become root-owned unless --chown says otherwise; --from files keep their owners; --chmod maps
 * each mode; ADD extracts a local tar source into dest. A copy of one context source to a new
 * top-level destination that no later step of the build mounts skips the snapshot and writes its
 * layer blob directly (copy-direct.ts).
 */
import { lchown, lstat, rm, type FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import { InputError } from "../../core/errors.js";
import type { CopyOp } from "../../planner/plan.js";
import { openRoot } from "../context-fs.js";
import type { BuildContext } from "../context-types.js";
import type { OpContext, ResolvedInput } from "../types.js";
import { parseChmod, type ModeFn } from "./chmod.js";
import { download, extractArchive, isArchive } from "./copy-add.js";
import { checkout, checkoutItems, gitFetchOf, resolveCommit, type Checkout } from "./git.js";
import { contextItems, hostFileReader, viewItems, type Group, type Item } from "./copy-items.js";
import { withReadOnlyView, withWritableStep } from "./step.js";
import type { FsResult, OpServices } from "./types.js";
import { writeItems } from "./copy-write.js";
import { copyDirect } from "./copy-direct.js";
import { dirIn, missingPrefixes, type Owner } from "./write.js";

/** destIsDir decides whether single-file sources land inside dest or as dest. */
async function destIsDir(services: OpServices, rootfs: string, op: CopyOp, many: boolean): Promise<boolean> {
  if (op.dest.endsWith("/") || many) return true;
  const host = await services.resolveInRoot(rootfs, op.dest);
  return host !== undefined && (await lstat(host)).isDirectory();
}

/** runCopy carries out a copy vertex; `seen` holds the content hashes the cache key used for its URLs. */
export async function runCopy(services: OpServices, op: CopyOp, inputs: readonly ResolvedInput<FsResult>[], ctx?: OpContext, seen?: ReadonlyMap<string, string>): Promise<FsResult> {
  const groups: Group[] = [];
  const downloads: string[] = [];
  const checkouts: Checkout[] = [];
  const context = services.context;
  const ctxRoot = op.from === "context" && op.sources.some((s) => s.kind === "path") ? await openRootOf(context) : undefined;
  try {
    for (const s of op.sources) {
      if (s.kind === "url") {
        // The content hashed for the cache key must be what lands in the layer.
        const known = seen?.get(s.url);
        const d = await download(s.url, services.workRoot, op.checksum ?? (known ? `sha256:${known}` : undefined), ctx?.signal);
        downloads.push(d.file);
        const mtime = d.mtime ?? new Date((services.sourceDateEpoch ?? Math.floor(Date.now() / 1000)) * 1000);
        groups.push({ isDir: false, items: [{ rel: d.name, kind: "file", mode: 0o600, uid: 0, gid: 0, mtime, open: hostFileReader(d.file), ...(op.unpack === true ? { archive: true } : {}) }] });
      } else if (s.kind === "git") {
        const fetch = gitFetchOf(s, op.checksum, op.keepGitDir);
        const commit = seen?.get(s.remote) ?? (await resolveCommit(fetch.src, services.workRoot, ctx?.signal));
        const tree = await checkout(fetch, commit, services.workRoot, ctx?.signal);
        checkouts.push(tree);
        groups.push({ isDir: true, items: await checkoutItems(tree.root, tree.commitTime, fetch.keepGitDir) });
      } else if (s.kind === "path" && context && ctxRoot) groups.push(...contextItems(context, s.path, op, ctxRoot));
    }
    // A later step of this build mounts the result: the snapshot path keeps the layer dir it needs (unpacking it from the blob costs more).
    const direct = ctxRoot && ctx?.consumed !== true ? await copyDirect(services, op, inputs[0]!.result, groups, ctxRoot, parseChmod(op.chmod)) : undefined;
    return direct ?? (await copyGroups(services, op, inputs, groups));
  } finally {
    await ctxRoot?.close();
    for (const f of downloads) await rm(f, { force: true });
    for (const c of checkouts) await c.remove();
  }
}

/** openRootOf opens the context root for a copy that reads it. */
async function openRootOf(ctx: BuildContext | undefined): Promise<FileHandle> {
  if (!ctx) throw new InputError("COPY reads the build context, but this build has none");
  return openRoot(ctx.root);
}

/** writeGroup writes one source's items (extracting an ADD archive into dest). */
async function writeGroup(services: OpServices, rootfs: string, op: CopyOp, g: Group, intoDir: boolean, owner: Owner, mode: ModeFn | undefined): Promise<void> {
  const only = g.items.length === 1 ? g.items[0] : undefined;
  if (only?.archive && only.open && (await isArchive(only.open))) {
    return extractArchive(only.open(), await dirIn(services, rootfs, op.dest), only.rel);
  }
  const target = { services, rootfs, owner, mode, context: services.context };
  if (g.isDir || intoDir) return writeItems({ ...target, destPath: op.dest }, g.items);
  for (const it of g.items) await writeItems({ ...target, destPath: posix.dirname(op.dest) }, [{ ...it, rel: posix.basename(op.dest) }]);
}

/** chownCreated gives the directories a copy created to its --chown owner. */
async function chownCreated(services: OpServices, rootfs: string, created: readonly string[], owner: Owner): Promise<void> {
  if (!owner) return;
  for (const p of created) {
    const host = await services.resolveInRoot(rootfs, p);
    if (host !== undefined) await lchown(host, owner.uid, owner.gid);
  }
}

/** copyGroups writes the listed groups, then --from sources and inline files, into a new step. */
async function copyGroups(services: OpServices, op: CopyOp, inputs: readonly ResolvedInput<FsResult>[], groups: Group[]): Promise<FsResult> {
  const mode = parseChmod(op.chmod);
  const inline = op.sources.filter((s) => s.kind === "inline");
  const fromInput = op.from === "input" ? inputs[1]?.result : undefined;
  const run = async (view: string | undefined) =>
    withWritableStep(services, inputs[0]!.result, async (rootfs) => {
      const owner: Owner = op.chown ? await services.resolveUser(rootfs, op.chown) : undefined;
      if (view !== undefined) groups.push(...(await viewItems(services, view, op)));
      const many = groups.length + inline.length > 1;
      const intoDir = await destIsDir(services, rootfs, op, many);
      // Directories the copy creates belong to --chown's owner, as in BuildKit: those above its
      // entries, and dest itself when a directory's contents or several sources go into it.
      const into = intoDir || groups.some((g) => g.isDir);
      const created = owner ? await missingPrefixes(services, rootfs, into ? op.dest : posix.dirname(op.dest)) : [];
      const now = new Date((services.sourceDateEpoch ?? Math.floor(Date.now() / 1000)) * 1000);
      for (const g of groups) await writeGroup(services, rootfs, op, g, intoDir, owner ?? (op.from === "context" ? { uid: 0, gid: 0 } : undefined), mode);
      for (const s of inline) {
        if (s.kind !== "inline") continue;
        const item: Item = { rel: intoDir ? s.file.name : posix.basename(op.dest), kind: "file", mode: s.file.mode, uid: 0, gid: 0, mtime: now, open: async function* () { yield Buffer.from(s.file.content); } };
        await writeItems({ services, rootfs, owner, mode, destPath: intoDir ? op.dest : posix.dirname(op.dest) }, [item]);
      }
      await chownCreated(services, rootfs, created, owner);
    });
  return fromInput ? withReadOnlyView(services, fromInput, (view) => run(view)) : run(undefined);
}
