import { availableParallelism } from "node:os";
import { constants, crc32, deflateRaw, type ZlibOptions } from "node:zlib";

/** deflateRawAsync is zlib's deflateRaw as a promise (a function, not a promisify() at load: loading this module loads no zlib). */
function deflateRawAsync(buf: Buffer, opts: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => deflateRaw(buf, opts, (err, out) => (err ? reject(err) : resolve(out))));
}

/** SAMPLE_BYTES is how much of a block is test-compressed; INCOMPRESSIBLE is the sample ratio above which the block is stored. */
const SAMPLE_BYTES = 64 * 1024;
const INCOMPRESSIBLE = 0.9;

/**
 * blockLevel is the level one block is deflated at: `level`, or 0 (stored) when a sample of the
 * block hardly shrinks (compressed or random file contents), where a full search would cost the
 * most CPU of all to save a few percent. Deflate blocks of different levels join into one stream.
 */
async function blockLevel(block: Buffer, level: number): Promise<number> {
  if (level === 0 || block.length < 2 * SAMPLE_BYTES) return level;
  const sample = block.subarray(0, SAMPLE_BYTES);
  const test = await deflateRawAsync(sample, { level: 1 });
  return test.length > sample.length * INCOMPRESSIBLE ? 0 : level;
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
  const flush = last ? {} : { finishFlush: constants.Z_SYNC_FLUSH };
  return deflateRawAsync(block, { level, memLevel: MEM_LEVEL, chunkSize, ...(dict ? { dictionary: dict } : {}), ...flush });
}

/** PGZIP_BLOCK_BYTES is how much input each parallel deflate job takes (pigz uses 128 KiB, pgzip 1 MiB). */
export const PGZIP_BLOCK_BYTES = 1024 * 1024;

/** WINDOW_BYTES is deflate's window: each block is compressed with the previous block's last 32 KiB as its dictionary. */
const WINDOW_BYTES = 32 * 1024;

/** ParallelGzipOptions: zlib level (0-9), block size, and how many blocks are compressed at once. */
export interface ParallelGzipOptions {
  readonly level: number;
  readonly blockBytes?: number;
  readonly parallel?: number;
}

function header(level: number): Buffer {
  // XFL as zlib writes it: 2 for the best level, 4 for the fastest; OS 3 (Unix), as Node's gzip writes.
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level === 9 ? 2 : level <= 1 ? 4 : 0, 3]);
}

/**
 * blocksOf cuts the source into blocks of `size` bytes (the last one shorter). A whole block lying
 * in one chunk at a block boundary is passed on in place, not copied: sources hand over their chunks
 * and never write to them again.
 */
async function* blocksOf(source: AsyncIterable<Buffer | Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let block = Buffer.allocUnsafe(size);
  let used = 0;
  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.length) {
      if (used === 0 && chunk.length - off >= size) {
        yield Buffer.from(chunk.buffer, chunk.byteOffset + off, size);
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
 * parallelGzip compresses a stream into one gzip member the way pigz and pgzip do: the input is
 * cut into blocks that are deflated concurrently on libuv's thread pool, each primed with the
 * previous block's last 32 KiB as dictionary and ended with a sync flush (the last one finishes
 * the stream), so the pieces join into one valid deflate stream; the CRC-32 and length trailer
 * are computed as the input passes. The output depends only on the input, level and block size
 * (never on timing), so blob digests are reproducible. At most `parallel` blocks are held.
 */
export async function* parallelGzip(source: AsyncIterable<Buffer | Uint8Array>, opts: ParallelGzipOptions): AsyncGenerator<Buffer> {
  const parallel = Math.max(1, opts.parallel ?? availableParallelism());
  const pending: Promise<Buffer>[] = [];
  let crc = 0;
  let length = 0;
  let previous: Buffer | undefined;
  yield header(opts.level);
  const it = blocksOf(source, opts.blockBytes ?? PGZIP_BLOCK_BYTES)[Symbol.asyncIterator]();
  let next = await it.next();
  // ahead is the read of the block after `next`, started before waiting on a deflate job so that
  // reading the input never waits for compression.
  let ahead = next.done ? undefined : it.next();
  ahead?.catch(() => undefined); // as below
  while (!next.done) {
    const block = next.value;
    next = await (ahead as Promise<IteratorResult<Buffer>>);
    ahead = next.done ? undefined : it.next();
    ahead?.catch(() => undefined); // awaited on the next turn; this only keeps a failure meanwhile from being unhandled
    const last = next.done === true;
    crc = crc32(block, crc);
    length += block.length;
    const dict = previous && previous.length > 0 ? previous.subarray(Math.max(0, previous.length - WINDOW_BYTES)) : undefined;
    const job = blockLevel(block, opts.level).then((level) => deflateBlock(block, level, dict, last));
    job.catch(() => undefined); // awaited in order below; this only keeps an early failure from being unhandled
    pending.push(job);
    previous = block;
    if (pending.length >= parallel) yield await (pending.shift() as Promise<Buffer>);
  }
  while (pending.length > 0) yield await (pending.shift() as Promise<Buffer>);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  yield trailer;
}
