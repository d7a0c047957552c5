import { createHash, type Hash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { TsbuildError } from "../core/errors.js";
import { asyncIteratorOf, type ByteStream } from "./bytes.js";

/** LimitError says untrusted input went over one of tsbuild's documented limits. */
export class LimitError extends TsbuildError {
  constructor(message: string) {
    super("Limit", message);
  }
}

/** Compression is what a layer stream was detected as, from its magic bytes. */
export type Compression = "gzip" | "zstd" | "none";

/** detectCompression reads the magic bytes: 1f 8b is gzip, 28 b5 2f fd is zstd, anything else is a plain tar. */
export function detectCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

async function* withHead(head: Buffer, it: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (head.length > 0) yield head;
  for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
}

/**
 * decompressLayer yields the uncompressed tar bytes of a layer (gzip or uncompressed, detected by
 * magic), hashing them into `hash` (for the diffID) and failing with LimitError once more than
 * `maxBytes` come out, so a gzip bomb costs at most maxBytes of work and no memory. The caller
 * names the layer in the error it reports.
 */
export async function* decompressLayer(source: ByteStream, maxBytes: number, hash: Hash = createHash("sha256")): AsyncGenerator<Buffer> {
  const it = asyncIteratorOf(source);
  let head = Buffer.alloc(0);
  while (head.length < 4) {
    const r = await it.next();
    if (r.done) break;
    head = Buffer.concat([head, r.value]);
  }
  const kind = detectCompression(head);
  if (kind === "zstd") throw new TsbuildError("UnsupportedCompression", "zstd-compressed layers cannot be read: Node.js 20 has no zstd decoder; pull or save the image with gzip layers");
  const raw = Readable.from(withHead(head, it), { objectMode: false });
  const out = kind === "gzip" ? createGunzip({ chunkSize: 128 * 1024 }) : undefined;
  const stream = out ?? raw;
  const piping = out ? pipeline(raw, out) : undefined;
  piping?.catch(() => undefined); // a pipeline failure also errors `out`, which the loop below rethrows
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw new LimitError(`layer decompresses to more than ${maxBytes} bytes (the limit); it may be a decompression bomb`);
      hash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
    await piping;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code.startsWith("Z_")) {
      throw new TsbuildError("CorruptLayer", `layer's gzip stream is corrupt (${(err as Error).message}); it may be truncated or have bytes after its end`, { cause: err });
    }
    throw err;
  } finally {
    stream.destroy();
    raw.destroy();
  }
}
