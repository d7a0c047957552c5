/**
 * gzipMembers compresses a byte stream on several threads: the input is cut into fixed-size
 * chunks, each chunk becomes one complete gzip member (zlib's async gzip runs on libuv's thread
 * pool, so chunks compress in parallel), and the members come out in input order. A chunk whose
 * sample hardly shrinks (compressed or random file contents) is stored (deflate level 0): a full
 * search would cost the most CPU of all to save a few percent (tar headers and padding). A gzip file
 * may hold several members back to back (RFC 1952 section 2.2); every gzip reader tsbuild meets
 * (Go's compress/gzip, zlib's gunzip, pigz) reads them as one stream. Cutting at fixed offsets
 * keeps the output a pure function of the input bytes, so layers stay reproducible.
 */
import { promisify } from "node:util";
import { gzip } from "node:zlib";

const gzipAsync = promisify(gzip);

/** SAMPLE_BYTES is how much of a chunk is test-compressed; INCOMPRESSIBLE is the sample ratio above which the chunk is stored. */
const SAMPLE_BYTES = 64 << 10;
const INCOMPRESSIBLE = 0.9;

/** outputChunk sizes zlib's output buffer to hold a whole member (few callbacks back to the main thread). */
function outputChunk(chunk: Buffer): number {
  return Math.max(16 << 10, chunk.length + (chunk.length >> 6) + 1024);
}

/** compressMember deflates one chunk at `level`, or stores it when a sample of it hardly compresses. */
async function compressMember(chunk: Buffer, level: number): Promise<Buffer> {
  if (level > 0 && chunk.length >= 2 * SAMPLE_BYTES) {
    const sample = chunk.subarray(0, SAMPLE_BYTES);
    const test = await gzipAsync(sample, { level: 1 });
    if (test.length > sample.length * INCOMPRESSIBLE) return gzipAsync(chunk, { level: 0, chunkSize: outputChunk(chunk) });
  }
  return gzipAsync(chunk, { level, chunkSize: outputChunk(chunk) });
}

/** GZIP_MEMBER_BYTES is the uncompressed size of one member (the last one may be shorter). */
export const GZIP_MEMBER_BYTES = 1 << 20;

/** GzipMembersOptions tune gzipMembers. */
export interface GzipMembersOptions {
  /** zlib level (default 6, gzip's default). */
  readonly level?: number;
  /** How many members compress at once (default 4). */
  readonly parallel?: number;
  /** Uncompressed bytes per member (default GZIP_MEMBER_BYTES). */
  readonly memberBytes?: number;
  /** Sees every input chunk in order (e.g. a hash for the diffID). */
  readonly onInput?: (chunk: Buffer) => void;
}

/** gzipMembers yields the gzip-compressed form of `source` as consecutive members (see the module comment). */
export async function* gzipMembers(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: GzipMembersOptions = {}): AsyncGenerator<Buffer> {
  const memberBytes = opts.memberBytes ?? GZIP_MEMBER_BYTES;
  const parallel = Math.max(1, opts.parallel ?? 4);
  const level = opts.level ?? 6;
  const queue: Promise<Buffer>[] = [];
  const start = (chunk: Buffer): void => {
    const p = compressMember(chunk, level);
    p.catch(() => undefined); // awaited in order below; this keeps an early failure from being unhandled meanwhile
    queue.push(p);
  };
  let parts: Buffer[] = [];
  let held = 0;
  let total = 0;
  for await (const raw of source) {
    const b = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    opts.onInput?.(b);
    total += b.length;
    parts.push(b);
    held += b.length;
    while (held >= memberBytes) {
      const all = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, held);
      start(all.subarray(0, memberBytes));
      const rest = all.subarray(memberBytes);
      parts = rest.length > 0 ? [rest] : [];
      held = rest.length;
      while (queue.length >= parallel) yield await (queue.shift() as Promise<Buffer>);
    }
  }
  if (held > 0 || total === 0) start(Buffer.concat(parts, held));
  while (queue.length > 0) yield await (queue.shift() as Promise<Buffer>);
}
