// The store's build cache (ops/cache.ts): a record is a hit only while its layer dirs and blobs
// exist; the presence checks of one burst of lookups are shared, never remembered for long.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sha256, type Digest } from "../../src/core/digest.js";
import { createFsCache } from "../../src/executor/ops/cache.js";
import type { FsResult, LayerDir } from "../../src/executor/ops/types.js";
import { openStore, type Store } from "../../src/store/store.js";

let root: string;
let store: Store;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tsbuild-fscache-"));
  store = openStore(join(root, "store"));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  store.close();
  rmSync(root, { recursive: true, force: true });
});

/** chain stores n layers (a dir and a blob each) and returns the result of each step: step i has layers 0..i. */
async function chain(n: number): Promise<FsResult[]> {
  const layers: LayerDir[] = [];
  for (let i = 0; i < n; i++) {
    const dir = join(root, `layer-${i}`);
    mkdirSync(dir);
    const blob = await store.blobs.write(Buffer.from(`layer ${i}`));
    layers.push({ dir, blobs: [{ digest: blob.digest, size: blob.size, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", diffId: sha256(`diff ${i}`) }] });
  }
  return layers.map((_, i) => ({ layers: layers.slice(0, i + 1) }));
}

const keyOf = (i: number): Digest => sha256(`key ${i}`);

describe("createFsCache", () => {
  it("returns what was put, and checks each layer of a chain once per burst of lookups", async () => {
    const results = await chain(8);
    const cache = createFsCache(store);
    for (const [i, r] of results.entries()) await cache.put(keyOf(i), r);
    const has = vi.spyOn(store.blobs, "has");
    const got = await Promise.all(results.map((_, i) => cache.get(keyOf(i))));
    expect(got).toEqual(results);
    // One check per layer blob, not the 36 of looking at every layer of every record.
    expect(has.mock.calls.map(([d]) => d).sort()).toEqual(results[7]?.layers.map((l) => l.blobs[0]?.digest).sort());
  });

  it("misses once a layer dir is gone, when the next lookup comes after the short presence window", async () => {
    const results = await chain(3);
    const cache = createFsCache(store);
    await cache.put(keyOf(2), results[2] as FsResult);
    expect(await cache.get(keyOf(2))).toEqual(results[2]);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 1000);
    rmSync(join(root, "layer-1"), { recursive: true });
    expect(await cache.get(keyOf(2))).toBeUndefined();
  });

  it("misses when the record's blob or a layer blob was pruned", async () => {
    const results = await chain(2);
    const cache = createFsCache(store);
    await cache.put(keyOf(1), results[1] as FsResult);
    await store.blobs.delete(results[1]?.layers[0]?.blobs[0]?.digest as Digest);
    expect(await cache.get(keyOf(1))).toBeUndefined();
    const rec = store.meta.getCache(keyOf(1));
    await store.blobs.delete(rec?.digest as Digest);
    expect(await cache.get(keyOf(1))).toBeUndefined();
    expect(await cache.get(keyOf(7))).toBeUndefined();
  });
});
