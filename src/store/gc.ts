import { stat } from "node:fs/promises";
import type { Digest } from "../core/digest.js";
import { leasedRoots, liveLeaseIds } from "./fsck.js";
import { reachable } from "./reach.js";
import type { Store } from "./store.js";

/** PruneOptions choose what prune may remove. */
export interface PruneOptions {
  /** all removes every image, tagged or not (as `docker image prune -a` does), but those in `inUse`; otherwise only untagged ones. */
  readonly all?: boolean;
  /** untilMs keeps images created less than this many milliseconds ago. */
  readonly untilMs?: number;
  /** keepStorage stops removing cache entries once the cache fits in this many bytes. */
  readonly keepStorage?: number;
  /** inUse are images containers were made from: kept, as Docker keeps the images of its containers. */
  readonly inUse?: ReadonlySet<Digest>;
  readonly now?: number;
}

/** PruneReport says what prune removed. */
export interface PruneReport {
  readonly images: readonly Digest[];
  readonly cacheEntries: number;
  readonly blobs: number;
  readonly reclaimedBytes: number;
}

/**
 * prune removes unwanted image records and cache entries, then every blob no longer reachable
 * from an image, a cache entry or a live lease. Content a running build has leased is never
 * removed, even with `all`; expired leases and leases of dead processes are dropped first.
 */
export async function prune(store: Store, opts: PruneOptions = {}): Promise<PruneReport> {
  const now = opts.now ?? Date.now();
  const live = new Set(liveLeaseIds(store, now));
  for (const l of store.meta.listLeases()) if (!live.has(l.id)) store.meta.releaseLease(l.id);
  const leased = leasedRoots(store);
  const removedImages: Digest[] = [];
  for (const img of store.meta.listImages()) {
    const tagged = store.meta.refsTo(img.digest).length > 0;
    const young = opts.untilMs !== undefined && now - img.createdAt < opts.untilMs;
    if (leased.has(img.digest) || opts.inUse?.has(img.digest) || young || (tagged && !opts.all)) continue;
    for (const name of store.meta.refsTo(img.digest)) store.meta.deleteRef(name);
    store.meta.deleteImage(img.digest);
    removedImages.push(img.digest);
  }
  const cacheEntries = pruneCache(store, opts, leased);
  const { blobs, bytes } = await sweep(store);
  return { images: removedImages, cacheEntries, blobs, reclaimedBytes: bytes };
}

/** pruneCache drops least-recently-used cache entries down to keepStorage (all of them without it). */
function pruneCache(store: Store, opts: PruneOptions, leased: Set<Digest>): number {
  const entries = store.meta.listCache();
  let total = entries.reduce((n, e) => n + e.size, 0);
  let removed = 0;
  for (const e of entries) {
    if (opts.keepStorage !== undefined && total <= opts.keepStorage) break;
    if (leased.has(e.digest)) continue;
    store.meta.deleteCache(e.key);
    total -= e.size;
    removed++;
  }
  return removed;
}

/** liveDigests returns every digest reachable from images, cache entries and live leases. */
export async function liveDigests(store: Store): Promise<Set<Digest>> {
  const roots = [...store.meta.listImages().map((i) => i.digest), ...store.meta.listCache().map((c) => c.digest), ...leasedRoots(store)];
  return (await reachable(store.blobs, roots)).digests;
}

/** LEASE_CLOCK_SLACK_MS allows for filesystem timestamp granularity when comparing blob mtimes with lease start times. */
const LEASE_CLOCK_SLACK_MS = 2000;

/** sweep deletes every blob that nothing live reaches, except blobs committed since the oldest live lease began. */
export async function sweep(store: Store): Promise<{ blobs: number; bytes: number }> {
  const keep = await liveDigests(store);
  const live = new Set(liveLeaseIds(store));
  const since = Math.min(...store.meta.listLeases().filter((l) => live.has(l.id)).map((l) => l.createdAt)) - LEASE_CLOCK_SLACK_MS;
  let blobs = 0;
  let bytes = 0;
  for (const d of await store.blobs.list()) {
    if (keep.has(d)) continue;
    const st = await stat(store.blobs.path(d)).catch(() => undefined); // a blob removed meanwhile by another prune
    if (!st || st.mtimeMs >= since) continue;
    bytes += st.size;
    await store.blobs.delete(d);
    blobs++;
  }
  return { blobs, bytes };
}

/** DiskUsage is what `tsbuild df` reports, in bytes. */
export interface DiskUsage {
  readonly images: { readonly count: number; readonly bytes: number };
  readonly cache: { readonly count: number; readonly bytes: number };
  readonly unreferenced: { readonly count: number; readonly bytes: number };
  readonly total: number;
}

/** diskUsage sums blob sizes by what keeps them: images first, then cache entries, else unreferenced. */
export async function diskUsage(store: Store): Promise<DiskUsage> {
  const images = store.meta.listImages();
  const imageSet = (await reachable(store.blobs, images.map((i) => i.digest))).digests;
  const cache = store.meta.listCache();
  const cacheSet = (await reachable(store.blobs, cache.map((c) => c.digest))).digests;
  const sums = { images: 0, cache: 0, unreferenced: 0, unrefCount: 0 };
  for (const d of await store.blobs.list()) {
    const size = (await store.blobs.stat(d))?.size ?? 0;
    if (imageSet.has(d)) sums.images += size;
    else if (cacheSet.has(d)) sums.cache += size;
    else {
      sums.unreferenced += size;
      sums.unrefCount++;
    }
  }
  return {
    images: { count: images.length, bytes: sums.images },
    cache: { count: cache.length, bytes: sums.cache },
    unreferenced: { count: sums.unrefCount, bytes: sums.unreferenced },
    total: sums.images + sums.cache + sums.unreferenced,
  };
}
