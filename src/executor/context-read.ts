/**
 * Reading selected context files safely, for hashing and for copying: each file is opened
 * through the directory chain of context-fs.ts (no symlink followed, each directory checked
 * against the walk), without blocking, and checked against the walk's record of it before and
 * after the caller reads it. A file that changed in between fails with ContextChanged.
 */
import type { FileHandle } from "node:fs/promises";
import { changedError, openContextFile, openDirChain, openRoot, requireProcFd, requireUnchanged, sameInode } from "./context-fs.js";
import type { BuildContext, ContextEntry } from "./context-types.js";

/** FileVisitor reads one open file; it must not close the handle. */
export type FileVisitor = (handle: FileHandle, entry: ContextEntry) => Promise<void>;

/** CHUNK_FILES is how many files of one directory one work item takes (one chain open per item). */
const CHUNK_FILES = 64;

/** parentOf is the context directory holding a path. */
function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : path.slice(0, slash);
}

/** chunksOf groups files by directory, in chunks of at most CHUNK_FILES. */
function chunksOf(files: readonly ContextEntry[]): { dir: string; files: ContextEntry[] }[] {
  const byDir = new Map<string, ContextEntry[]>();
  for (const e of files) {
    const dir = parentOf(e.path);
    const list = byDir.get(dir);
    if (list) list.push(e);
    else byDir.set(dir, [e]);
  }
  const out: { dir: string; files: ContextEntry[] }[] = [];
  for (const [dir, list] of byDir) {
    for (let i = 0; i < list.length; i += CHUNK_FILES) out.push({ dir, files: list.slice(i, i + CHUNK_FILES) });
  }
  return out;
}

/** visitOne opens one file of `dir`, checks it, runs the visitor, and checks it again. */
async function visitOne(dir: FileHandle, entry: ContextEntry, visit: FileVisitor): Promise<void> {
  const handle = await openContextFile(dir, entry);
  try {
    await visit(handle, entry);
    requireUnchanged(await handle.stat({ bigint: true }), entry);
  } finally {
    await handle.close();
  }
}

/** visitChunk opens one directory and visits its files in order until `stop()` says to. */
async function visitChunk(ctx: BuildContext, root: FileHandle, item: { dir: string; files: ContextEntry[] }, visit: FileVisitor, stop: () => boolean): Promise<void> {
  const dir = await openDirChain(root, item.dir, ctx.entries);
  try {
    for (const entry of item.files) {
      if (stop()) return;
      await visitOne(dir, entry, visit);
    }
  } finally {
    if (dir !== root) await dir.close();
  }
}

/**
 * forEachContextFile runs `visit` on each regular file of `files` (other types are ignored),
 * at most `concurrency` at a time. It rejects with the first error (a ContextChanged for a
 * file or directory that is not what the walk saw) after the running visits settle.
 */
export async function forEachContextFile(ctx: BuildContext, files: readonly ContextEntry[], visit: FileVisitor, concurrency = 8): Promise<void> {
  const work = chunksOf(files.filter((e) => e.type === "file"));
  if (work.length === 0) return;
  requireProcFd();
  const root = await openRoot(ctx.root);
  try {
    if (!sameInode(await root.stat({ bigint: true }), ctx.entries.get(".") as ContextEntry)) throw changedError(".", "was replaced");
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (next < work.length && !failed) {
        const item = work[next++] as { dir: string; files: ContextEntry[] };
        try {
          await visitChunk(ctx, root, item, visit, () => failed);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    const results = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, work.length)) }, worker));
    const bad = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (bad) throw bad.reason;
  } finally {
    await root.close();
  }
}
