// The tar writer's chunk buffers are reused once parallelGzip gives them back: a buffer must come
// back only when nothing reads its bytes any more. The pool here poisons every buffer given back
// (overwrites it at once), so a block given back too early gunzips to other bytes than the tar's.
import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parallelGzip } from "../../src/image/pgzip.js";
import { BatchPool, writeLayerTar } from "../../src/image/tar.js";
import type { LayerEntry } from "../../src/image/tar-entry.js";

class PoisoningPool extends BatchPool {
  readonly seen = new Set<ArrayBufferLike>();
  given = 0;
  reused = 0;

  override take(): Buffer {
    const b = super.take();
    if (this.seen.has(b.buffer)) this.reused++;
    this.seen.add(b.buffer);
    return b;
  }

  override give(chunk: Uint8Array): void {
    this.given++;
    new Uint8Array(chunk.buffer).fill(0xa5);
    super.give(chunk);
  }
}

/** entries are files of mixed sizes (text and random bytes), so that chunks end mid-file and blocks differ. */
function entries(): LayerEntry[] {
  const out: LayerEntry[] = [{ type: "directory", path: "data", mode: 0o755 }];
  for (let i = 0; i < 120; i++) {
    const size = i % 10 === 0 ? 300_000 + i * 1000 : 1000 + ((i * 7919) % 60_000);
    const content = i % 3 === 0 ? randomBytes(size) : Buffer.from(`line ${i} of some text that compresses\n`.repeat(Math.ceil(size / 36)).slice(0, size));
    out.push({ type: "file", path: `data/f${i}`, mode: 0o644, content });
  }
  return out;
}

async function collect(source: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe("BatchPool with parallelGzip", () => {
  it("reuses the tar writer's chunks only after their blocks are compressed: the gzip holds the tar's bytes", async () => {
    const list = entries();
    const tar = await collect(writeLayerTar(list));
    expect(tar.length).toBeGreaterThan(6 * 1024 * 1024);
    for (const parallel of [1, 4]) {
      const pool = new PoisoningPool();
      const gz = await collect(parallelGzip(writeLayerTar(list, { batches: pool }), { level: 1, parallel, release: (c) => pool.give(c) }));
      expect(gunzipSync(gz).equals(tar), `parallel ${parallel}`).toBe(true);
      expect(pool.given, `parallel ${parallel}`).toBeGreaterThan(4);
      expect(pool.reused, `parallel ${parallel}`).toBeGreaterThan(0);
    }
  });

  it("takes back only its own buffers, and each once", () => {
    const pool = new BatchPool();
    const a = pool.take();
    pool.give(Buffer.alloc(a.length));
    pool.give(a.subarray(0, 10));
    pool.give(a);
    const b = pool.take();
    expect(b.buffer).toBe(a.buffer);
    const c = pool.take();
    expect(c.buffer).not.toBe(a.buffer);
  });
});
