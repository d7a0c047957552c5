/**
 * Content digests of context selections, for cache keys. A file's bytes are read only when the
 * stat-keyed hash cache has no record of its exact (path, size, mtime, ctime, inode, device,
 * mode, owner); reads are streamed through a fixed buffer, so memory does not grow with file
 * size. Files are opened through the directory chain of context-fs.ts and checked against the
 * walk's record before and after reading: a file that changes meanwhile fails the build clearly.
 */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { parseDigest, type Digest } from "../core/digest.js";
import type { CopyOp, ExecOp } from "../planner/plan.js";
import type { FileStatKey, HashCache } from "../store/hashcache.js";
import { forEachContextFile } from "./context-read.js";
import { select, selectMount, type Selection } from "./context-select.js";
import type { BuildContext, ContextEntry } from "./context-types.js";

/** ContentReader hashes the bytes of an open file and returns sha256 hex; tests inject one to count reads. */
export type ContentReader = (handle: FileHandle, entry: ContextEntry) => Promise<string>;

/** HashOptions configures hashing. */
export interface HashOptions {
  /** The stat-keyed cache; without one every selected file is read. */
  readonly cache?: HashCache | undefined;
  readonly reader?: ContentReader | undefined;
  /** Files hashed at the same time (default 8: each holds one 1 MiB buffer). */
  readonly concurrency?: number | undefined;
  /** Path -> sha256 hex already computed from this same context snapshot (read and extended). */
  readonly memo?: Map<string, string> | undefined;
  /** Stops hashing before the next file when aborted. */
  readonly signal?: AbortSignal | undefined;
}

/** READ_BUFFER_BYTES is the read size; 1 MiB keeps syscalls few and memory bounded. */
const READ_BUFFER_BYTES = 1024 * 1024;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** DIGEST_VERSION names the record format below; change it when the format changes. */
const DIGEST_VERSION = "tsbuild.context.v1";

/** HASH_BATCH_CHARS is how much record text hashSelection collects before one hash update. */
const HASH_BATCH_CHARS = 256 * 1024;

/** buffers holds idle read buffers, so hashing many small files does not allocate 1 MiB each. */
const buffers: Buffer[] = [];
const MAX_IDLE_BUFFERS = 16;

/** streamSha256 is the default ContentReader: sequential reads through one pooled buffer. */
export const streamSha256: ContentReader = async (handle) => {
  const hash = createHash("sha256");
  const buf = buffers.pop() ?? Buffer.allocUnsafe(READ_BUFFER_BYTES);
  try {
    // Positional reads from 0: the result does not depend on the descriptor's offset.
    for (let pos = 0; ; ) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    if (buffers.length < MAX_IDLE_BUFFERS) buffers.push(buf);
  }
  return hash.digest("hex");
};

/** keyOf is the hash cache key of a walked file: a ContextEntry carries every field of one. */
function keyOf(e: ContextEntry): FileStatKey {
  return e;
}

/**
 * hashFiles returns path -> sha256 hex for the regular files among `entries`, from the cache
 * where it knows the exact stat, else by reading (and then recording) them.
 */
export async function hashFiles(ctx: BuildContext, entries: readonly ContextEntry[], opts: HashOptions = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unknown: ContextEntry[] = [];
  for (const e of entries) {
    if (e.type !== "file") continue;
    const known = e.size === 0n ? EMPTY_SHA256 : opts.memo?.get(e.path);
    if (known) out.set(e.path, known);
    else unknown.push(e);
  }
  const cached = opts.cache?.getMany(unknown.map(keyOf)) ?? [];
  const toRead = unknown.filter((e, i) => {
    const hit = cached[i];
    if (hit) out.set(e.path, hit);
    return !hit;
  });
  const fresh = new Map<string, string>();
  const reader = opts.reader ?? streamSha256;
  await forEachContextFile(ctx, toRead, async (handle, entry) => {
    opts.signal?.throwIfAborted();
    fresh.set(entry.path, await reader(handle, entry));
  }, opts.concurrency);
  opts.cache?.putMany(toRead.map((e) => ({ key: keyOf(e), sha256: fresh.get(e.path) as string })));
  for (const [p, h] of fresh) {
    out.set(p, h);
    opts.memo?.set(p, h);
  }
  return out;
}

/**
 * hardlinkOf returns the earlier selected path that shares e's inode (the copy writes e as a
 * hard link to it), or "". `seen` maps "dev:ino" to the first path selected for it.
 */
function hardlinkOf(e: ContextEntry, seen: Map<string, string>): string {
  if (e.type !== "file" || e.nlink < 2) return "";
  const id = `${e.dev}:${e.ino}`;
  const first = seen.get(id);
  if (first !== undefined) return first;
  seen.set(id, e.path);
  return "";
}

/**
 * hashSelection is the content digest of a selection: per root its source and resolved path,
 * the followed symlinks, and per entry its context-relative path, type, mode (with setuid,
 * setgid, sticky), uid, gid, symlink target, file content hash and which earlier selected path
 * it is a hard link of. Times, inode and device numbers are not covered, so an mtime-only
 * touch, or the same tree in another directory, gives the same digest.
 */
export async function hashSelection(ctx: BuildContext, sel: Selection, opts: HashOptions = {}): Promise<Digest> {
  const content = await hashFiles(ctx, sel.entries, opts);
  const h = createHash("sha256");
  h.update(DIGEST_VERSION + "\n");
  for (const r of sel.roots) h.update(JSON.stringify(["root", r.source, r.path]) + "\n");
  for (const l of sel.links) h.update(JSON.stringify(["link", l.path, l.target ?? ""]) + "\n");
  const firstLink = new Map<string, string>();
  // Records go to the hash in batches: one update per record costs more than the hashing.
  let batch = "";
  for (let i = 0; i < sel.entries.length; i++) {
    const e = sel.entries[i] as ContextEntry;
    batch += JSON.stringify([e.path, e.type, e.mode, e.uid, e.gid, e.target ?? "", content.get(e.path) ?? "", hardlinkOf(e, firstLink)]) + "\n";
    if (batch.length >= HASH_BATCH_CHARS || i === sel.entries.length - 1) {
      h.update(batch);
      batch = "";
    }
  }
  return parseDigest(`sha256:${h.digest("hex")}`);
}

/** ContextSelector says which context paths one op reads: COPY/ADD sources and flags, or a bind mount source. */
export type ContextSelector =
  | { readonly kind: "copy"; readonly sources: readonly string[]; readonly excludes: readonly string[]; readonly parents: boolean }
  | { readonly kind: "mount"; readonly source: string };

/** ContextHasher gives the content digest of what selectors read from one opened context. */
export interface ContextHasher {
  digestOf(selectors: readonly ContextSelector[], signal?: AbortSignal): Promise<Digest>;
}

/** selectorsOf lists what an op reads from the build context (none for ops that read no context). */
export function selectorsOf(op: CopyOp | ExecOp): ContextSelector[] {
  if (op.kind === "copy") {
    if (op.from !== "context") return [];
    const sources = op.sources.flatMap((s) => (s.kind === "path" ? [s.path] : []));
    return sources.length === 0 ? [] : [{ kind: "copy", sources, excludes: op.excludes, parents: op.parents }];
  }
  return op.mounts.filter((m) => m.type === "bind" && m.fromContext).map((m) => ({ kind: "mount", source: m.source ?? "." }));
}

/** selectFor turns one selector into the Selection it reads. */
export function selectFor(ctx: BuildContext, s: ContextSelector): Selection {
  return s.kind === "copy" ? select(ctx, s.sources, { excludes: s.excludes, parents: s.parents }) : selectMount(ctx, s.source);
}

/**
 * createContextHasher binds a context and hash options. digestOf hashes each selector's
 * selection and combines them in order. Calls run one at a time (so steps hashed together do
 * not multiply read buffers) and share what they hashed, so a file several steps select is read
 * at most once. A missing source, a pattern error or a file changed while read rejects with
 * its ContextError; an aborted `signal` rejects with its reason before the next file is read.
 */
export function createContextHasher(ctx: BuildContext, opts: HashOptions = {}): ContextHasher {
  const memo = new Map<string, string>();
  let queue: Promise<unknown> = Promise.resolve();
  const run = async (selectors: readonly ContextSelector[], signal: AbortSignal | undefined): Promise<Digest> => {
    const h = createHash("sha256");
    h.update(DIGEST_VERSION + "/selectors\n");
    for (const s of selectors) {
      signal?.throwIfAborted();
      h.update(`${s.kind} ${await hashSelection(ctx, selectFor(ctx, s), { ...opts, memo, signal })}\n`);
    }
    return parseDigest(`sha256:${h.digest("hex")}`);
  };
  return {
    digestOf(selectors, signal) {
      const next = queue.then(() => run(selectors, signal));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
