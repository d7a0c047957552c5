/**
 * Unpacked layer snapshots (`<store>/layers`) that nothing uses any more: prune removes them with
 * the images and cache entries that used them, as BuildKit's prune removes its snapshots. Kept:
 * the dirs of the cache entries that remain, and the start cache (run-cache) dirs of the images
 * that remain and of every container's image (a running container has them mounted). While a
 * build holds a lease, no snapshot is removed: it may be about to mount one.
 */
import type { Digest } from "../core/digest.js";
import { liveLeaseIds } from "../store/fsck.js";
import { removeSnapshotsExcept, snapshotRoot } from "../store/snapshots.js";
import type { Store } from "../store/store.js";
import { reclaimAll, whereOf } from "./container-shared.js";
import { keepRunCaches } from "./run-image.js";

/** MAX_RECORD_BYTES caps a cache record read here (they are small JSON documents). */
const MAX_RECORD_BYTES = 16 << 20;

/** SnapshotPrune says what pruneSnapshots did: how many it removed, or why it removed none. */
export type SnapshotPrune = { readonly removed: number } | { readonly skipped: string };

/** dirNames adds the snapshot names of `dirs` (paths under the store's layers dir) to `keep`. */
function dirNames(store: Store, dirs: readonly unknown[], keep: Set<string>): void {
  const root = `${snapshotRoot(store)}/`;
  for (const d of dirs) if (typeof d === "string" && d.startsWith(root)) keep.add(d.slice(root.length).split("/")[0]!);
}

/** cacheDirs adds the layer dirs the remaining cache entries' results use. */
async function cacheDirs(store: Store, keep: Set<string>): Promise<void> {
  for (const c of store.meta.listCache()) {
    const rec = JSON.parse((await store.blobs.readAll(c.digest, MAX_RECORD_BYTES)).toString("utf8")) as { layers?: { dir?: unknown }[] };
    dirNames(store, (rec.layers ?? []).map((l) => l.dir), keep);
  }
}

/** containerImages are the images of every container in the store, running or not. */
export async function containerImages(store: Store): Promise<Set<Digest>> {
  return new Set((await reclaimAll(whereOf({ root: store.root }))).map((c) => c.imageDigest as Digest));
}

/**
 * pruneSnapshots removes the layer snapshots nothing uses (see the file comment); `inUse` are the
 * images of the store's containers (containerImages).
 */
export async function pruneSnapshots(store: Store, inUse: ReadonlySet<Digest>): Promise<SnapshotPrune> {
  if (liveLeaseIds(store).length > 0) return { skipped: "a build is running" };
  const keep = new Set<string>();
  await cacheDirs(store, keep);
  const wanted = new Set<Digest>([...store.meta.listImages().map((i) => i.digest), ...inUse]);
  dirNames(store, await keepRunCaches(store, wanted), keep);
  return { removed: await removeSnapshotsExcept(store, keep) };
}
