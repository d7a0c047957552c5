/**
 * createFsCache keeps build results across processes: a cache key maps (in the store's cache
 * table) to a small JSON blob describing the FsResult. A record whose layer dirs or blobs are gone
 * (pruned) is a miss, never an error.
 */
import { stat } from "node:fs/promises";
import type { Digest } from "../../core/digest.js";
import type { Store } from "../../store/store.js";
import type { CacheStore } from "../types.js";
import type { FsResult } from "./types.js";

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function usable(store: Store, r: FsResult): Promise<boolean> {
  for (const l of r.layers) {
    if (!(await exists(l.dir))) return false;
    for (const b of l.blobs) if (!(await store.blobs.has(b.digest))) return false;
  }
  return true;
}

/** createFsCache returns a CacheStore over the store's cache records. */
export function createFsCache(store: Store): CacheStore<FsResult> {
  return {
    async get(key: Digest): Promise<FsResult | undefined> {
      const rec = store.meta.getCache(key);
      if (!rec || !(await store.blobs.has(rec.digest))) return undefined;
      const chunks: Buffer[] = [];
      for await (const c of await store.blobs.open(rec.digest, rec.size)) chunks.push(Buffer.from(c));
      const result = JSON.parse(Buffer.concat(chunks).toString("utf8")) as FsResult;
      return (await usable(store, result)) ? result : undefined;
    },
    async put(key: Digest, result: FsResult): Promise<void> {
      const blob = await store.blobs.write(Buffer.from(JSON.stringify(result)));
      // A cache record lost to power failure is only a miss; the build's final commit makes it durable.
      store.meta.relaxed(() => store.meta.putCache(key, blob.digest, blob.size));
    },
  };
}
