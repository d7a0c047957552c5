/**
 * storeLayerTar is the one way a layer tar becomes a blob: the tar streams through a sha256 (its
 * diffID) into parallelGzip and into the store's commit protocol, nothing held whole.
 */
import { createHash, type Hash } from "node:crypto";
import { Readable } from "node:stream";
import type { Digest } from "../core/digest.js";
import type { Store } from "../store/store.js";
import { parallelGzip, type ParallelGzipOptions } from "./pgzip.js";
import type { LayerEntry } from "./tar-entry.js";
import { BatchPool, writeLayerTar, type LayerTarOptions } from "./tar.js";

/** StoredLayer is a layer blob as committed: the compressed blob's digest and size, and the tar's diffID. */
export interface StoredLayer {
  readonly digest: Digest;
  readonly size: number;
  readonly diffId: Digest;
}

/** hashing passes a byte stream through unchanged while feeding it to `hash`. */
async function* hashing(source: AsyncIterable<Buffer>, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

/**
 * storeLayerTar gzips `tar` (blocks deflated in parallel, see parallelGzip) into `store` and
 * returns the blob with the tar's diffID. When the store refuses or fails the write, the tar
 * stream is destroyed (its open file reads close) and the error rethrown.
 */
export async function storeLayerTar(store: Store, tar: Readable, gzip: ParallelGzipOptions): Promise<StoredLayer> {
  const hash = createHash("sha256");
  try {
    const blob = await store.blobs.write(Readable.from(parallelGzip(hashing(tar, hash), gzip)));
    return { digest: blob.digest, size: blob.size, diffId: `sha256:${hash.digest("hex")}` as Digest };
  } catch (err) {
    tar.destroy();
    throw err;
  }
}

/**
 * storeLayerEntries writes the layer tar of `entries` (tar: its options) and stores it as
 * storeLayerTar does, the tar's chunk buffers going round between the writer and the compression
 * (a BatchPool that parallelGzip gives each chunk back to once its block is deflated).
 */
export async function storeLayerEntries(store: Store, entries: Iterable<LayerEntry>, tar: Omit<LayerTarOptions, "batches">, gzip: Omit<ParallelGzipOptions, "release">): Promise<StoredLayer> {
  const batches = new BatchPool();
  return storeLayerTar(store, writeLayerTar(entries, { ...tar, batches }), { ...gzip, release: (chunk) => batches.give(chunk) });
}
