/**
 * writeItems puts a COPY source's items into the rootfs. Directories and symlinks are written in
 * order first; then the regular files: small ones with synchronous calls (copy-sync.ts; context
 * files through the confined reader of copy-context.ts, each checked against the walk before and
 * after), larger ones several at a time through the thread pool (context files through
 * context-read.ts), their bytes moved with copyFile from the open descriptor (`/proc/self/fd/N`,
 * so the kernel copies exactly the file that was opened and checked). Directory times are set
 * last, deepest first, since writing a child changes its directory's mtime.
 */
import { closeSync, constants, fstatSync, openSync, utimesSync } from "node:fs";
import { chmod, copyFile, lchown, lutimes } from "node:fs/promises";
import { posix } from "node:path";
import { InputError } from "../../core/errors.js";
import { forEachContextFile } from "../context-read.js";
import type { BuildContext, ContextEntry } from "../context-types.js";
import type { ModeFn } from "./chmod.js";
import { copySmallContextFiles, type FileJob } from "./copy-context.js";
import type { Item } from "./copy-items.js";
import { copyOpenFileSync, makeDirSync, Slicer, SYNC_FILE_BYTES, writeSymlinkSync } from "./copy-sync.js";
import type { OpServices } from "./types.js";
import { clearSlot, dirIn, writeFileInDir, type Owner, type WriteMeta } from "./write.js";

/** FILE_CONCURRENCY is how many files are copied at once (the work is syscalls, mostly waiting on the thread pool). */
const FILE_CONCURRENCY = 16;

/** DirCache resolves destination directories once per logical path; writing a dir or symlink drops what lies under it. */
class DirCache {
  private readonly dirs = new Map<string, Promise<string>>();
  constructor(
    private readonly services: OpServices,
    private readonly rootfs: string,
  ) {}

  get(path: string): Promise<string> {
    let p = this.dirs.get(path);
    if (!p) {
      p = dirIn(this.services, this.rootfs, path);
      this.dirs.set(path, p);
      p.catch(() => this.dirs.delete(path));
    }
    return p;
  }

  /** set records `host` as the real directory (just made by the copy) standing at `path`. */
  set(path: string, host: string): void {
    this.dirs.set(path, Promise.resolve(host));
  }

  forget(path: string): void {
    for (const k of this.dirs.keys()) if (k === path || k.startsWith(`${path}/`)) this.dirs.delete(k);
  }
}

/** copyHostFile copies the open source file at `src` (a /proc/self/fd path) to the new file `name` of `dir`, then sets owner, mode and times. */
async function copyHostFile(src: string, dir: string, name: string, meta: WriteMeta): Promise<void> {
  const host = posix.join(dir, name);
  // COPYFILE_EXCL creates with O_EXCL: a symlink (or anything) already there is never written through.
  await copyFile(src, host, constants.COPYFILE_EXCL).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
    await clearSlot(host);
    await copyFile(src, host, constants.COPYFILE_EXCL);
  });
  await lchown(host, meta.uid, meta.gid);
  await chmod(host, meta.mode);
  await lutimes(host, meta.mtime, meta.mtime);
}

/** pool runs `fn` over `list`, at most `limit` at a time; it rejects with the first error after the running calls settle. */
async function pool<T>(list: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < list.length && !failed) {
      try {
        await fn(list[next++] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, list.length) }, worker));
  const bad = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (bad) throw bad.reason;
}

/** WriteTarget says where items go and which owner and mode they get. */
export interface WriteTarget {
  readonly services: OpServices;
  readonly rootfs: string;
  readonly destPath: string;
  readonly owner: Owner;
  readonly mode: ModeFn | undefined;
  /** The build context the items' `entry` fields come from. */
  readonly context?: BuildContext;
}

/** Placed is where an item lands: its rootfs path, the directory holding it, and its name there. */
interface Placed {
  readonly full: string;
  readonly parent: string;
  readonly name: string;
}

/** writeTree writes the directories and symlinks of `items` in order and returns the directories made, for their times to be set last. */
async function writeTree(cache: DirCache, items: readonly Item[], place: (it: Item) => Placed, metaOf: (it: Item) => WriteMeta): Promise<{ host: string; meta: WriteMeta }[]> {
  const dirs: { host: string; meta: WriteMeta }[] = [];
  for (const it of items) {
    if (it.kind === "file") continue;
    const { full, parent, name } = place(it);
    cache.forget(full);
    const host = posix.join(await cache.get(parent), name);
    if (it.kind === "symlink") {
      writeSymlinkSync(host, it.target ?? "", { ...metaOf(it), mode: 0o777 });
      continue;
    }
    dirs.push({ host: makeDirSync(host, metaOf(it)), meta: metaOf(it) });
    // A directory the copy just made is real (no symlink): its children resolve to it directly.
    cache.set(full, host);
  }
  return dirs;
}

/** copyHostItem copies a file item read from a host path (a stage view): small files synchronously, larger ones through the thread pool. */
async function copyHostItem(hostPath: string, dir: string, name: string, meta: WriteMeta, rel: string): Promise<void> {
  const fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`COPY source ${rel} is no longer a regular file`);
    if (st.size <= SYNC_FILE_BYTES) copyOpenFileSync(fd, st.size, posix.join(dir, name), meta);
    else await copyHostFile(`/proc/self/fd/${fd}`, dir, name, meta);
  } finally {
    closeSync(fd);
  }
}

/** writeContextFiles copies the files that come from the build context: small ones synchronously, larger ones in parallel. */
async function writeContextFiles(ctx: BuildContext, cache: DirCache, jobs: ReadonlyMap<ContextEntry, FileJob>): Promise<void> {
  const small: ContextEntry[] = [];
  const large: ContextEntry[] = [];
  for (const e of jobs.keys()) (e.size <= BigInt(SYNC_FILE_BYTES) ? small : large).push(e);
  await copySmallContextFiles(ctx, small, jobs, (path) => cache.get(path));
  await forEachContextFile(ctx, large, async (handle, entry) => {
    const job = jobs.get(entry) as FileJob;
    await copyHostFile(`/proc/self/fd/${handle.fd}`, await cache.get(job.parent), job.name, job.meta);
  }, FILE_CONCURRENCY);
}

/** writeItems writes `items` under t.destPath inside t.rootfs (see the module comment for the order). */
export async function writeItems(t: WriteTarget, items: readonly Item[]): Promise<void> {
  const cache = new DirCache(t.services, t.rootfs);
  const metaOf = (it: Item): WriteMeta => ({ mode: t.mode ? t.mode(it.mode, it.kind === "dir") : it.mode, uid: t.owner?.uid ?? it.uid, gid: t.owner?.gid ?? it.gid, mtime: it.mtime });
  const place = (it: Item): Placed => {
    const full = posix.join(t.destPath, it.rel);
    return { full, parent: posix.dirname(full), name: posix.basename(full) };
  };
  const dirs = await writeTree(cache, items, place, metaOf);
  const fromContext = new Map<ContextEntry, FileJob>();
  const other: Item[] = [];
  for (const it of items) {
    if (it.kind !== "file") continue;
    if (it.entry && t.context) fromContext.set(it.entry, { ...place(it), meta: metaOf(it) });
    else other.push(it);
  }
  if (fromContext.size > 0 && t.context) await writeContextFiles(t.context, cache, fromContext);
  const slicer = new Slicer();
  for (const it of other.filter((i) => i.hostPath !== undefined)) {
    const { parent, name } = place(it);
    await copyHostItem(it.hostPath as string, await cache.get(parent), name, metaOf(it), it.rel);
    await slicer.pause();
  }
  await pool(other.filter((i) => i.hostPath === undefined), FILE_CONCURRENCY, async (it) => {
    const { parent, name } = place(it);
    await writeFileInDir(await cache.get(parent), name, it.open!(), metaOf(it));
  });
  for (const d of dirs.reverse()) utimesSync(d.host, d.meta.mtime, d.meta.mtime);
}
