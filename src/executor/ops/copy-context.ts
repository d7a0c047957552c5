/**
 * copySmallContextFiles copies the small regular files of a COPY from the build context with
 * synchronous calls (copy-sync.ts), one context directory at a time: the directory is opened
 * through the confined synchronous chain of context-fs.ts (DirChainSync, which keeps the open
 * ancestors, so each context directory is opened once), each file is opened inside it without following a
 * symlink or blocking, and checked against the walk's record before and after the copy, the same
 * checks forEachContextFile makes on the asynchronous path that larger files take.
 */
import { closeSync, fstatSync } from "node:fs";
import { posix } from "node:path";
import { changedError, DirChainSync, openContextFileSync, openRoot, requireProcFd, requireUnchanged, sameInode } from "../context-fs.js";
import type { BuildContext, ContextEntry } from "../context-types.js";
import { copyOpenFileSync, Slicer } from "./copy-sync.js";
import type { WriteMeta } from "./write.js";

/** FileJob says where one context file goes: its destination directory (a rootfs path), its name there, and its metadata. */
export interface FileJob {
  readonly parent: string;
  readonly name: string;
  readonly meta: WriteMeta;
}


/** byDirectory groups entries by the context directory holding them, in first-seen order. */
function byDirectory(entries: readonly ContextEntry[]): Map<string, ContextEntry[]> {
  const out = new Map<string, ContextEntry[]>();
  for (const e of entries) {
    const slash = e.path.lastIndexOf("/");
    const dir = slash < 0 ? "." : e.path.slice(0, slash);
    const list = out.get(dir);
    if (list) list.push(e);
    else out.set(dir, [e]);
  }
  return out;
}

/** copyOne copies the file `entry` of the open context directory `dir` to `host`, failing with ContextChanged when it is not what the walk saw. */
function copyOne(dir: number, entry: ContextEntry, host: string, meta: WriteMeta): void {
  const fd = openContextFileSync(dir, entry);
  try {
    copyOpenFileSync(fd, Number(entry.size), host, meta);
    requireUnchanged(fstatSync(fd, { bigint: true }), entry);
  } finally {
    closeSync(fd);
  }
}

/**
 * copySmallContextFiles copies each entry of `files` (regular files of `ctx`) as `jobs` says, with
 * `dirOf` resolving a destination directory to its host path. It yields to the event loop every
 * few milliseconds and rejects with the first error (ContextChanged for a changed file).
 */
export async function copySmallContextFiles(ctx: BuildContext, files: readonly ContextEntry[], jobs: ReadonlyMap<ContextEntry, FileJob>, dirOf: (path: string) => Promise<string>): Promise<void> {
  if (files.length === 0) return;
  requireProcFd();
  const root = await openRoot(ctx.root);
  try {
    if (!sameInode(await root.stat({ bigint: true }), ctx.entries.get(".") as ContextEntry)) throw changedError(".", "was replaced");
    const slicer = new Slicer();
    const chain = new DirChainSync(root.fd, ctx.entries);
    try {
      for (const [path, list] of byDirectory(files)) {
        // The chain is this call's own: the descriptor stays open until the next directory's open.
        const dir = chain.open(path);
        for (const entry of list) {
          const job = jobs.get(entry) as FileJob;
          copyOne(dir, entry, posix.join(await dirOf(job.parent), job.name), job.meta);
          await slicer.pause();
        }
      }
    } finally {
      chain.close();
    }
  } finally {
    await root.close();
  }
}
