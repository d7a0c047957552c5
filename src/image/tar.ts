import { Readable } from "node:stream";
import { paxHeaderBlock, encodePaxRecords } from "./pax.js";
import { encodeUstar, type UstarHeader, type UstarType } from "./ustar.js";
import { compareTarPaths, normalizeEntryPath, sortPathOf, tarNameOf, type LayerEntry } from "./tar-entry.js";

/** LayerTarOptions tune the layer tar writer. */
export interface LayerTarOptions {
  /** sourceDateEpoch clamps every mtime newer than it (seconds), as BuildKit's rewrite-timestamp does. */
  readonly sourceDateEpoch?: number;
  /**
   * batches, when given, is where the writer takes the buffers of the chunks it hands on; its
   * reader gives each back when done with it (parallelGzip's `release`), and the writer takes it
   * again for a later chunk.
   */
  readonly batches?: BatchPool;
}

/** USTAR_MAX_ID is the largest uid/gid a ustar header holds (6 octal digits); larger ids go to PAX. */
const USTAR_MAX_ID = 0o777777;

type Headers = { -readonly [K in keyof UstarHeader]: UstarHeader[K] };

/** BATCH_BYTES is the size of the chunks the writer hands on: one parallel gzip block (PGZIP_BLOCK_BYTES), so the compressor takes them without copying. */
const BATCH_BYTES = 1 << 20;
/** INLINE_FILE_BYTES is the largest file read synchronously (FileContent.readInto) straight into the batch. */
const INLINE_FILE_BYTES = 256 << 10;
/** BATCH_CAPACITY leaves room past BATCH_BYTES for one inline file, its padding and the byte that tells it grew. */
const BATCH_CAPACITY = BATCH_BYTES + INLINE_FILE_BYTES + 1024;
const ZEROS = Buffer.alloc(1024);

/**
 * BatchPool keeps the tar writer's chunk buffers for reuse. Without it each 1 MiB chunk is a new
 * 1.25 MiB buffer: a 100 MB layer allocates 128 MB, fresh pages the kernel must fault in and zero,
 * and external memory whose growth makes V8 run full collections (packPush of bench/registry.ts's
 * image: 1.56 s without reuse, 1.52 s with it, medians of 6 alternating runs; 5 full collections
 * became 3). give() takes back only a buffer this pool handed out, once; a chunk's reader gives
 * it back when nothing refers to its bytes any more.
 */
export class BatchPool {
  private readonly free: Buffer[] = [];
  private readonly mine = new WeakSet<ArrayBufferLike>();
  private readonly returned = new WeakSet<ArrayBufferLike>();

  /** take returns a buffer of BATCH_CAPACITY bytes: one given back, else a new one. */
  take(): Buffer {
    const reused = this.free.pop();
    if (reused) {
      this.returned.delete(reused.buffer);
      return reused;
    }
    const fresh = Buffer.allocUnsafeSlow(BATCH_CAPACITY);
    this.mine.add(fresh.buffer);
    return fresh;
  }

  /** give takes back the buffer under `chunk` when this pool made it and it is not back already; other bytes are left alone. */
  give(chunk: Uint8Array): void {
    const buffer = chunk.buffer;
    if (!this.mine.has(buffer) || this.returned.has(buffer) || this.free.length >= MAX_FREE_BATCHES) return;
    this.returned.add(buffer);
    this.free.push(Buffer.from(buffer, 0, BATCH_CAPACITY));
  }
}

/** MAX_FREE_BATCHES bounds what a pool keeps: more than the chunks a layer's compression holds at once. */
const MAX_FREE_BATCHES = 16;

/** Batch gathers archive bytes in one buffer; take() hands on the first BATCH_BYTES (or all, at the end) and keeps the rest. */
class Batch {
  buf: Buffer;
  used = 0;

  constructor(private readonly pool: BatchPool | undefined) {
    this.buf = this.alloc();
  }

  private alloc(): Buffer {
    return this.pool ? this.pool.take() : Buffer.allocUnsafe(BATCH_CAPACITY);
  }

  /** take returns up to BATCH_BYTES gathered bytes and starts a new buffer with what was left over. */
  take(): Buffer {
    const n = Math.min(this.used, BATCH_BYTES);
    const out = this.buf.subarray(0, n);
    const next = this.alloc();
    this.buf.copy(next, 0, n, this.used);
    this.buf = next;
    this.used -= n;
    return out;
  }

  /** push copies `b` in, handing on each full batch. */
  *push(b: Uint8Array): Generator<Buffer> {
    for (let off = 0; off < b.byteLength; ) {
      const n = Math.min(b.byteLength - off, BATCH_BYTES - this.used);
      this.buf.set(b.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      if (this.used >= BATCH_BYTES) yield this.take();
    }
  }

  /** pad zero-fills the batch up to the next 512-byte boundary of an entry body of `size` bytes. */
  pad(size: number): void {
    const rest = size % 512;
    if (rest === 0) return;
    this.buf.fill(0, this.used, this.used + 512 - rest);
    this.used += 512 - rest;
  }
}

/**
 * writeLayerTar returns the layer tar of a changeset as a stream: entries sorted depth-first with
 * bytewise-sorted names (duplicates refused), directories named with a trailing `/`, whiteouts as
 * `.wh.NAME` (mode 0) and opaque markers as `.wh..wh..opq` (mtime 0, as containerd 2 writes them), mtimes in
 * whole seconds and clamped to `sourceDateEpoch`, empty uname/gname, and PAX records for names or
 * link targets that do not fit ustar, ids over 262143 and xattrs (`SCHILY.xattr.*`, byte-exact).
 *
 * Headers are ustar blocks written by ustar.ts (byte-identical to tar-stream's), preceded by
 * tsbuild's own PAX header block when records are needed; names and link targets that need PAX get
 * an ASCII fallback in the ustar header. Small files with a synchronous reader are read straight
 * into the output batch; other small files are read ahead (prefetch). The archive comes out in
 * chunks of BATCH_BYTES (the last one shorter). Errors (a file whose size changed while read) end
 * the stream.
 */
export function writeLayerTar(entries: Iterable<LayerEntry>, opts: LayerTarOptions = {}): Readable {
  const sorted = sortEntries(entries);
  return Readable.from(archive(sorted, opts), { objectMode: false });
}

/** inlineSize is the size of a file read straight into the batch (small, with a synchronous reader), else undefined. */
function inlineSize(e: LayerEntry): number | undefined {
  if (e.type !== "file" || e.content instanceof Uint8Array || !e.content.readInto) return undefined;
  return e.content.size <= INLINE_FILE_BYTES ? e.content.size : undefined;
}

/** inlineFile writes a small file's headers and body (read synchronously) into the batch. */
function* inlineFile(batch: Batch, e: LayerEntry & { type: "file" }, size: number, opts: LayerTarOptions): Generator<Buffer> {
  for (const b of headBlocks(e, opts, size)) yield* batch.push(b);
  const content = e.content as { readonly readInto: (target: Buffer, offset: number) => void };
  content.readInto(batch.buf, batch.used);
  batch.used += size;
  batch.pad(size);
  while (batch.used >= BATCH_BYTES) yield batch.take();
}

/** archive yields the tar bytes of the sorted entries, then the two zero blocks that end a tar. */
async function* archive(sorted: readonly LayerEntry[], opts: LayerTarOptions): AsyncGenerator<Buffer> {
  const ahead = prefetch(sorted);
  const batch = new Batch(opts.batches);
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i] as LayerEntry;
    const inline = inlineSize(e);
    if (inline !== undefined && e.type === "file") {
      yield* inlineFile(batch, e, inline, opts);
      continue;
    }
    for await (const b of entryBlocks(await ahead(i), opts)) yield* batch.push(b);
  }
  yield* batch.push(ZEROS);
  if (batch.used > 0) yield batch.take();
}

/** padding is the zero bytes that fill an entry body of `size` bytes up to a 512-byte block. */
function padding(size: number): Buffer | undefined {
  const rest = size % 512;
  return rest === 0 ? undefined : ZEROS.subarray(0, 512 - rest);
}

/** PREFETCH_FILE_BYTES is the largest file read ahead whole; PREFETCH_BYTES and PREFETCH_FILES bound what is read ahead at once. */
const PREFETCH_FILE_BYTES = 1 << 20;
const PREFETCH_BYTES = 16 << 20;
const PREFETCH_FILES = 64;

/**
 * prefetch returns `get(i)`, the i-th entry with a small file's content already read into memory:
 * files up to PREFETCH_FILE_BYTES are read ahead, many at once, within a window of PREFETCH_FILES
 * files and PREFETCH_BYTES, so that the archive does not wait on one read at a time. `get` must be
 * called with 0, 1, 2, ... in order. Larger files stream as before.
 */
function prefetch(list: readonly LayerEntry[]): (i: number) => Promise<LayerEntry> {
  const loads = new Map<number, Promise<LayerEntry>>();
  let next = 0;
  let bytes = 0;
  const small = (e: LayerEntry): number | undefined =>
    e.type === "file" && !(e.content instanceof Uint8Array) && e.content.size <= PREFETCH_FILE_BYTES && inlineSize(e) === undefined ? e.content.size : undefined;
  return async (i) => {
    while (next < list.length && (next <= i || (loads.size < PREFETCH_FILES && bytes < PREFETCH_BYTES))) {
      const e = list[next] as LayerEntry;
      const size = small(e);
      if (size !== undefined && e.type === "file" && !(e.content instanceof Uint8Array)) {
        const p = readWhole(e.content.open(), size, e.path).then((content) => ({ ...e, content }));
        p.catch(() => undefined); // awaited in order by get(); this keeps an early failure from being unhandled meanwhile
        loads.set(next, p);
        bytes += size;
      }
      next++;
    }
    const p = loads.get(i);
    if (!p) return list[i] as LayerEntry;
    loads.delete(i);
    const e = await p;
    bytes -= e.type === "file" && e.content instanceof Uint8Array ? e.content.byteLength : 0;
    return e;
  };
}

/** readWhole reads exactly `size` bytes from source, failing (as entryBlocks does) when the file grew or shrank. */
async function readWhole(source: AsyncIterable<Uint8Array>, size: number, path: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.byteLength;
    if (seen > size) throw new Error(`${path} grew while it was being archived (expected ${size} bytes)`);
    parts.push(chunk);
  }
  if (seen !== size) throw new Error(`${path} shrank while it was being archived (expected ${size} bytes, read ${seen})`);
  return Buffer.concat(parts, size);
}

/**
 * sortEntries normalizes paths, sorts depth-first bytewise, and refuses duplicate tar names.
 * Entries whose path is already normal are kept as they are, and a list already in order (a
 * directory walk's) is not sorted again.
 */
export function sortEntries(entries: Iterable<LayerEntry>): LayerEntry[] {
  let list = [...entries].map((e) => {
    const path = normalizeEntryPath(e.path, e.type === "opaque");
    return path === e.path ? e : ({ ...e, path } as LayerEntry);
  });
  let keys = list.map(sortPathOf);
  if (!inTarOrder(keys)) {
    const order = keys.map((_, i) => i).sort((i, j) => compareTarPaths(keys[i] as string, keys[j] as string));
    list = order.map((i) => list[i] as LayerEntry);
    keys = order.map((i) => keys[i] as string);
  }
  for (let i = 1; i < list.length; i++) {
    if (keys[i - 1] === keys[i]) throw new TypeError(`layer has two entries for ${JSON.stringify((list[i] as LayerEntry).path)}; a layer may name each path once`);
  }
  return list;
}

/** inTarOrder says whether `keys` are in compareTarPaths order already (equal neighbours count: the duplicate check finds them). */
function inTarOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (compareTarPaths(keys[i - 1] as string, keys[i] as string) > 0) return false;
  return true;
}

/** asciiFallback is the ustar name written after a PAX `path`/`linkpath` record: ASCII, at most 100 bytes. */
function asciiFallback(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "_").slice(-100);
}

/** fitsUstar reports whether a ustar header can hold name without a PAX header (ASCII, prefix 155 + name 100). */
function fitsUstar(name: string): boolean {
  if (!/^[\x20-\x7e]*$/.test(name)) return false;
  if (name.length <= 100) return true;
  for (let i = name.indexOf("/"); i >= 0; i = name.indexOf("/", i + 1)) {
    if (i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) return true;
  }
  return false;
}

function mtimeOf(e: LayerEntry, opts: LayerTarOptions): number {
  if (e.type === "whiteout" || e.type === "opaque") return 0;
  const t = Math.max(0, Math.trunc(e.mtime ?? 0));
  return opts.sourceDateEpoch !== undefined && t > opts.sourceDateEpoch ? opts.sourceDateEpoch : t;
}

/** markerMode is a whiteout's mode (0, as containerd's differ writes it under BuildKit) or an opaque marker's (0644). */
function markerMode(type: LayerEntry["type"]): number {
  return type === "whiteout" ? 0 : 0o644;
}

/** headerOf builds the ustar header and the PAX records an entry needs. */
function headerOf(e: LayerEntry, opts: LayerTarOptions): { header: Headers; pax: Map<string, Uint8Array | string> } {
  const name = tarNameOf(e);
  const pax = new Map<string, Uint8Array | string>();
  const isMarker = e.type === "whiteout" || e.type === "opaque";
  const type: UstarType = isMarker ? "file" : e.type === "hardlink" ? "link" : e.type;
  const mode = isMarker ? markerMode(e.type) : (e.mode ?? (e.type === "directory" ? 0o755 : 0o644)) & 0o7777;
  const header: Headers = { name, type, mode, uid: 0, gid: 0, mtime: mtimeOf(e, opts), size: 0 };
  if (!fitsUstar(name)) {
    pax.set("path", name);
    header.name = asciiFallback(name);
  }
  if (!isMarker) {
    for (const k of ["uid", "gid"] as const) {
      const id = e[k] ?? 0;
      if (id > USTAR_MAX_ID) pax.set(k, String(id));
      header[k] = id > USTAR_MAX_ID ? 0 : id;
    }
    if (e.type === "symlink" || e.type === "hardlink") {
      const target = e.type === "hardlink" ? normalizeEntryPath(e.target) : e.target;
      header.linkname = target;
      if (!/^[\x20-\x7e]*$/.test(target) || target.length > 100) {
        pax.set("linkpath", target);
        header.linkname = asciiFallback(target);
      }
    }
    if (e.type === "character-device" || e.type === "block-device") Object.assign(header, { devmajor: e.devmajor, devminor: e.devminor });
    for (const key of Object.keys(e.xattrs ?? {}).sort()) pax.set(`SCHILY.xattr.${key}`, (e.xattrs ?? {})[key] as Uint8Array);
  }
  return { header, pax };
}

/** headBlocks are an entry's PAX header and records when it needs them, then its ustar header (announcing `size` body bytes). */
function headBlocks(e: LayerEntry, opts: LayerTarOptions, size: number): Buffer[] {
  const { header, pax } = headerOf(e, opts);
  const out: Buffer[] = [];
  if (pax.size > 0) {
    const body = encodePaxRecords(pax);
    out.push(paxHeaderBlock(body.length, header.mtime), body);
    const pad = padding(body.length);
    if (pad) out.push(pad);
  }
  out.push(encodeUstar({ ...header, size }));
  return out;
}

/** entryBlocks yields one entry: its PAX header and records when needed, its ustar header, its body and padding. */
async function* entryBlocks(e: LayerEntry, opts: LayerTarOptions): AsyncGenerator<Buffer> {
  if (e.type !== "file") return yield* headBlocks(e, opts, 0);
  if (e.content instanceof Uint8Array) {
    yield* headBlocks(e, opts, e.content.byteLength);
    yield Buffer.from(e.content.buffer, e.content.byteOffset, e.content.byteLength);
    const pad = padding(e.content.byteLength);
    if (pad) yield pad;
    return;
  }
  const { size, open } = e.content;
  yield* headBlocks(e, opts, size);
  let seen = 0;
  for await (const chunk of open()) {
    seen += chunk.byteLength;
    if (seen > size) throw new Error(`${e.path} grew while it was being archived (expected ${size} bytes)`);
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (seen !== size) throw new Error(`${e.path} shrank while it was being archived (expected ${size} bytes, read ${seen})`);
  const pad = padding(size);
  if (pad) yield pad;
}
