import { availableParallelism } from "node:os";
import { constants, crc32, deflateRaw, type ZlibOptions } from "node:zlib";
import { InputError } from "../core/errors.js";
import { nativeDeflate, type NativeDeflate } from "./native-deflate.js";

/** deflateRawAsync is zlib's deflateRaw as a promise (a function, not a promisify() at load: loading this module loads no zlib). */
function deflateRawAsync(buf: Buffer, opts: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => deflateRaw(buf, opts, (err, out) => (err ? reject(err) : resolve(out))));
}

/** SAMPLE_RUNS runs of SAMPLE_RUN_BYTES, spread over a block from its start to its end, are what incompressible() looks at. */
const SAMPLE_RUNS = 4;
const SAMPLE_RUN_BYTES = 16 * 1024;
const SAMPLE_BYTES = SAMPLE_RUNS * SAMPLE_RUN_BYTES;

/** STORE_RATIO is the estimated deflate ratio above which a block is stored: deflate would save less than 10%. */
const STORE_RATIO = 0.9;

/**
 * incompressible tells whether deflate would hardly shrink `block` (compressed or random file
 * contents), from the byte counts of SAMPLE_RUNS runs spread over it: it estimates deflate's
 * ratio as the share of bytes other than zero times their entropy (Huffman's bound) over 8 bits,
 * zeros counting as free (in a layer tar they come in runs: header fields and padding, which
 * deflate shrinks to almost nothing). A tar of random or compressed files, their headers and
 * padding included, is stored (deflate would save 5-7%, at level 6 for a fifth of the speed);
 * text, code and executables (entropy 4-6.5 bits) are deflated. The sums run in a fixed order and
 * V8's Math.log2 is its own (not the C library's), so every machine decides alike, as blob
 * digests need.
 */
export function incompressible(block: Uint8Array): boolean {
  if (block.length < 2 * SAMPLE_BYTES) return false;
  const counts = new Uint32Array(256);
  for (let r = 0; r < SAMPLE_RUNS; r++) {
    const start = Math.floor(((block.length - SAMPLE_RUN_BYTES) * r) / (SAMPLE_RUNS - 1));
    for (let i = start; i < start + SAMPLE_RUN_BYTES; i++) counts[block[i] as number]! += 1;
  }
  const nonZero = SAMPLE_BYTES - (counts[0] as number);
  if (nonZero === 0) return false;
  let bits = 0;
  for (let b = 1; b < 256; b++) {
    const c = counts[b] as number;
    if (c > 0) bits += c * Math.log2(nonZero / c);
  }
  // bits / nonZero is the entropy of the non-zero bytes; times nonZero / SAMPLE_BYTES, over 8.
  return bits / (8 * SAMPLE_BYTES) > STORE_RATIO;
}

/**
 * blockLevel is the level one block is deflated at: `level`, or 0 (stored) when the block looks
 * incompressible, where a full search would cost the most CPU of all to save a few percent.
 * Deflate blocks of different levels join into one stream. (It used to deflate a 64 KiB sample on
 * the thread pool first: a round trip before every block's real job, 0.12 s of bench/registry.ts's
 * 1.6 s packPush.)
 */
function blockLevel(block: Buffer, level: number): number {
  return level !== 0 && incompressible(block) ? 0 : level;
}

/** STORED_MAX is the most one stored deflate block holds (its LEN field is 16 bits). */
const STORED_MAX = 0xffff;

/**
 * storedBlocks is `data` as stored (uncompressed) deflate blocks starting at a byte boundary, the
 * last one marked final when `last`: each is a header byte (BFINAL, BTYPE 00), LEN and its one's
 * complement, then the bytes. It ends at a byte boundary, so the next block follows directly.
 */
export function storedBlocks(data: Buffer, last: boolean): Buffer {
  const count = Math.max(1, Math.ceil(data.length / STORED_MAX));
  const out = Buffer.allocUnsafe(data.length + 5 * count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const piece = data.subarray(i * STORED_MAX, (i + 1) * STORED_MAX);
    out[at] = last && i === count - 1 ? 1 : 0;
    out.writeUInt16LE(piece.length, at + 1);
    out.writeUInt16LE(~piece.length & 0xffff, at + 3);
    piece.copy(out, at + 5);
    at += 5 + piece.length;
  }
  return out;
}

/** MEM_LEVEL 9 (zlib's default is 8): level 1 deflates about 15% faster with larger hash tables, for blobs within 0.5% of the size. */
const MEM_LEVEL = 9;

/** deflateBlock deflates one block at `level`, primed with `dict`; stored blocks (level 0) are framed here without zlib. */
async function deflateBlock(block: Buffer, level: number, dict: Buffer | undefined, last: boolean): Promise<Buffer> {
  if (level === 0 && block.length > 0) return storedBlocks(block, last);
  // One output buffer that fits the whole block's deflate output, so each block is one thread-pool job (zlib's 16 KiB default means dozens).
  const chunkSize = block.length + (block.length >> 8) + 1024;
  // A sync flush with the write itself, not only at the end: zlib then gives all of the block's
  // output in one thread-pool job (the end's flush finds nothing left and adds no bytes), where a
  // flush at the end alone cost a second job and a copy of the output to join the two pieces.
  const flush = last ? {} : { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
  return deflateRawAsync(block, { level, memLevel: MEM_LEVEL, chunkSize, ...(dict ? { dictionary: dict } : {}), ...flush });
}

/** PGZIP_BLOCK_BYTES is how much input each parallel deflate job takes (pigz uses 128 KiB, pgzip 1 MiB). */
export const PGZIP_BLOCK_BYTES = 1024 * 1024;

/** WINDOW_BYTES is deflate's window: each block is compressed with the previous block's last 32 KiB as its dictionary. */
const WINDOW_BYTES = 32 * 1024;

/**
 * GzipEngine is what deflates the blocks: "libdeflate" (tsbuild's native addon, one gzip member
 * per block) or "zlib" (Node's zlib, one member for the whole stream).
 */
export type GzipEngine = "libdeflate" | "zlib";

/** ParallelGzipOptions: level (0-9; libdeflate also takes 10-12), block size, how many blocks are compressed at once, and the engine. */
export interface ParallelGzipOptions {
  readonly level: number;
  /** engine defaults to libdeflate when the native addon is built (and TSBUILD_DEFLATE is not zlib), else zlib. */
  readonly engine?: GzipEngine;
  readonly blockBytes?: number;
  readonly parallel?: number;
  /**
   * release, when given, is handed each source chunk that was exactly one block, once nothing
   * refers to its bytes any more (its block deflated or stored, and the next block's dictionary
   * taken), so that the source can fill it again (the tar writer's BatchPool).
   */
  readonly release?: (chunk: Uint8Array) => void;
}

/** xflOf is the gzip header's XFL byte as zlib writes it: 2 for the best levels, 4 for the fastest, else 0. */
function xflOf(level: number): number {
  return level >= 9 ? 2 : level <= 1 ? 4 : 0;
}

function header(level: number): Buffer {
  // OS 3 (Unix), as Node's gzip writes.
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xflOf(level), 3]);
}

/**
 * blocksOf cuts the source into blocks of `size` bytes (the last one shorter). A whole block lying
 * in one chunk at a block boundary is passed on in place, not copied: sources hand over their chunks
 * and never write to them again (unless given them back by `release`). Blocks that are exactly
 * a source chunk are added to `whole`.
 */
async function* blocksOf(source: AsyncIterable<Buffer | Uint8Array>, size: number, whole: WeakSet<Buffer>): AsyncGenerator<Buffer> {
  let block = Buffer.allocUnsafe(size);
  let used = 0;
  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.length) {
      if (used === 0 && chunk.length - off >= size) {
        const view = Buffer.from(chunk.buffer, chunk.byteOffset + off, size);
        if (off === 0 && chunk.length === size) whole.add(view);
        yield view;
        off += size;
        continue;
      }
      const n = Math.min(size - used, chunk.length - off);
      block.set(chunk.subarray(off, off + n), used);
      used += n;
      off += n;
      if (used === size) {
        yield block;
        block = Buffer.allocUnsafe(size);
        used = 0;
      }
    }
  }
  yield block.subarray(0, used);
}

/**
 * blocksAhead yields the blocks of blocksOf, each with whether it is the last, the read of the
 * block after it already started when it is yielded: reading the input never waits for the
 * compression the caller does meanwhile.
 */
async function* blocksAhead(source: AsyncIterable<Buffer | Uint8Array>, size: number, whole: WeakSet<Buffer>): AsyncGenerator<{ block: Buffer; last: boolean }> {
  const it = blocksOf(source, size, whole)[Symbol.asyncIterator]();
  let next = await it.next();
  let ahead = next.done ? undefined : it.next();
  ahead?.catch(() => undefined); // awaited on the next turn; this only keeps a failure meanwhile from being unhandled
  while (!next.done) {
    const block = next.value;
    next = await (ahead as Promise<IteratorResult<Buffer>>);
    ahead = next.done ? undefined : it.next();
    ahead?.catch(() => undefined); // as above
    yield { block, last: next.done === true };
  }
}

/** engineOf is the engine `opts` asks for, or the default; the addon when it is libdeflate. */
function engineOf(opts: ParallelGzipOptions): NativeDeflate | undefined {
  if (opts.engine === "zlib") return undefined;
  const addon = nativeDeflate();
  if (opts.engine === "libdeflate" && addon === undefined) throw new InputError("the libdeflate gzip engine was asked for, but tsbuild's native deflate is not built or TSBUILD_DEFLATE=zlib; run `npm run build:native` (needs a C compiler and libdeflate-dev)");
  return addon;
}

/**
 * parallelGzip compresses a stream into gzip on libuv's thread pool, block by block, with the
 * engine `opts` names (see memberGzip and zlibGzip). The output depends only on the input, the
 * level, the block size and the engine (and the engine's version), never on timing or on the
 * parallelism, so blob digests are reproducible on one installation. At most `parallel` blocks
 * are held.
 */
export function parallelGzip(source: AsyncIterable<Buffer | Uint8Array>, opts: ParallelGzipOptions): AsyncGenerator<Buffer> {
  const addon = engineOf(opts);
  return addon ? memberGzip(source, opts, addon) : zlibGzip(source, opts);
}

/**
 * memberGzip compresses a stream into one gzip member per block, as BGZF does: each block is
 * deflated on its own by libdeflate (1.8x zlib level 1's speed on layer tars here, with 5% smaller
 * output, at level 1), with its own CRC-32 and length, on the thread pool; the members follow one
 * another in input order. RFC 1952 allows a gzip file of several members, and every gunzip (Node's
 * zlib, GNU gzip, Go's compress/gzip that Docker, containerd and skopeo use) reads them as one
 * stream. A block sampled as incompressible is stored (level 0). An empty stream is one empty
 * member.
 */
async function* memberGzip(source: AsyncIterable<Buffer | Uint8Array>, opts: ParallelGzipOptions, addon: NativeDeflate): AsyncGenerator<Buffer> {
  const parallel = Math.max(1, opts.parallel ?? availableParallelism());
  const xfl = xflOf(opts.level);
  const pending: Promise<Buffer>[] = [];
  const whole = new WeakSet<Buffer>();
  let members = 0;
  for await (const { block, last } of blocksAhead(source, opts.blockBytes ?? PGZIP_BLOCK_BYTES, whole)) {
    // blocksOf ends with the partial block, empty when the input filled whole blocks: it only
    // needs a member when the whole stream is empty.
    if (block.length === 0 && (!last || members > 0)) continue;
    const job = addon.deflateMember(block, blockLevel(block, opts.level), xfl);
    job.catch(() => undefined); // awaited in order below; this only keeps an early failure from being unhandled
    const release = opts.release;
    if (release && whole.has(block)) job.then(() => release(block), () => undefined);
    pending.push(job);
    members++;
    if (pending.length >= parallel) yield await (pending.shift() as Promise<Buffer>);
  }
  while (pending.length > 0) yield await (pending.shift() as Promise<Buffer>);
}

/**
 * zlibGzip compresses a stream into one gzip member the way pigz and pgzip do: the input is
 * cut into blocks that are deflated concurrently on libuv's thread pool, each primed with the
 * previous block's last 32 KiB as dictionary and ended with a sync flush (the last one finishes
 * the stream), so the pieces join into one valid deflate stream; the CRC-32 and length trailer
 * are computed as the input passes. The output depends only on the input, level and block size
 * (never on timing), so blob digests are reproducible. At most `parallel` blocks are held.
 */
async function* zlibGzip(source: AsyncIterable<Buffer | Uint8Array>, opts: ParallelGzipOptions): AsyncGenerator<Buffer> {
  const parallel = Math.max(1, opts.parallel ?? availableParallelism());
  const pending: Promise<Buffer>[] = [];
  let crc = 0;
  let length = 0;
  let previous: Buffer | undefined;
  let previousJob: Promise<Buffer> | undefined;
  const whole = new WeakSet<Buffer>();
  /** done gives `block` back to the source once `job` (its deflate) has finished, when it is a whole source chunk. */
  const done = (block: Buffer, job: Promise<Buffer>): void => {
    const release = opts.release;
    if (release && whole.has(block)) job.then(() => release(block), () => undefined);
  };
  yield header(opts.level);
  for await (const { block, last } of blocksAhead(source, opts.blockBytes ?? PGZIP_BLOCK_BYTES, whole)) {
    crc = crc32(block, crc);
    length += block.length;
    const dict = previous && previous.length > 0 ? previous.subarray(Math.max(0, previous.length - WINDOW_BYTES)) : undefined;
    const job = deflateBlock(block, blockLevel(block, opts.level), dict, last);
    job.catch(() => undefined); // awaited in order below; this only keeps an early failure from being unhandled
    // The previous block's last 32 KiB went into this job's dictionary (zlib copies it when the job is made).
    if (previous && previousJob) done(previous, previousJob);
    pending.push(job);
    previous = block;
    previousJob = job;
    if (pending.length >= parallel) yield await (pending.shift() as Promise<Buffer>);
  }
  while (pending.length > 0) yield await (pending.shift() as Promise<Buffer>);
  if (previous && previousJob) done(previous, previousJob);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  yield trailer;
}
