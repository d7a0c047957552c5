/**
 * writeItems puts a COPY source's items into the rootfs. Directories and symlinks are written in
 * order first; then the regular files, several at a time: context files through the confined
 * reader of context-read.ts (each checked against the walk before and after), other files with a
 * bounded pool. A file's bytes move with copyFile from the open descriptor (`/proc/self/fd/N`, so
 * the kernel copies exactly the file that was opened and checked). Directory times are set last,
 * deepest first, since writing a child changes its directory's mtime.
 */
import { constants } from "node:fs";
import { chmod, copyFile, lchown, lutimes, open, utimes } from "node:fs/promises";
import { posix } from "node:path";
import { InputError } from "../../core/errors.js";
import { forEachContextFile } from "../context-read.js";
import type { BuildContext, ContextEntry } from "../context-types.js";
import type { ModeFn } from "./chmod.js";
import type { Item } from "./copy-items.js";
import type { OpServices } from "./types.js";
import { clearSlot, dirIn, makeDirInDir, writeFileInDir, writeSymlinkInDir, type Owner, type WriteMeta } from "./write.js";

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

/** writeItems writes `items` under t.destPath inside t.rootfs (see the module comment for the order). */
export async function writeItems(t: WriteTarget, items: readonly Item[]): Promise<void> {
  const cache = new DirCache(t.services, t.rootfs);
  const metaOf = (it: Item): WriteMeta => ({ mode: t.mode ? t.mode(it.mode, it.kind === "dir") : it.mode, uid: t.owner?.uid ?? it.uid, gid: t.owner?.gid ?? it.gid, mtime: it.mtime });
  const place = (it: Item) => {
    const full = posix.join(t.destPath, it.rel);
    return { full, parent: posix.dirname(full), name: posix.basename(full) };
  };
  const dirs: { host: string; meta: WriteMeta }[] = [];
  const files: Item[] = [];
  for (const it of items) {
    const { full, parent, name } = place(it);
    if (it.kind === "file") {
      files.push(it);
      continue;
    }
    cache.forget(full);
    const dir = await cache.get(parent);
    if (it.kind === "dir") dirs.push({ host: await makeDirInDir(dir, name, metaOf(it)), meta: metaOf(it) });
    else await writeSymlinkInDir(dir, name, it.target ?? "", { ...metaOf(it), mode: 0o777 });
  }
  const fromContext = new Map<ContextEntry, Item>();
  const other: Item[] = [];
  for (const it of files) {
    if (it.entry && t.context) fromContext.set(it.entry, it);
    else other.push(it);
  }
  if (fromContext.size > 0 && t.context) {
    await forEachContextFile(t.context, [...fromContext.keys()], async (handle, entry) => {
      const it = fromContext.get(entry) as Item;
      const { parent, name } = place(it);
      await copyHostFile(`/proc/self/fd/${handle.fd}`, await cache.get(parent), name, metaOf(it));
    }, FILE_CONCURRENCY);
  }
  await pool(other, FILE_CONCURRENCY, async (it) => {
    const { parent, name } = place(it);
    const dir = await cache.get(parent);
    if (it.hostPath) {
      const fh = await open(it.hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        if (!(await fh.stat()).isFile()) throw new InputError(`COPY source ${it.rel} is no longer a regular file`);
        return await copyHostFile(`/proc/self/fd/${fh.fd}`, dir, name, metaOf(it));
      } finally {
        await fh.close();
      }
    }
    await writeFileInDir(dir, name, it.open!(), metaOf(it));
  });
  for (const d of dirs.reverse()) await utimes(d.host, d.meta.mtime, d.meta.mtime);
}
