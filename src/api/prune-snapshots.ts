/**
 * Unpacked layer snapshots (`<store>/layers`) that nothing uses any more: prune removes them with
 * the images and cache entries that used them, as BuildKit's prune removes its snapshots. Kept:
 * the dirs of the cache entries that remain, and the start cache (run-cache) dirs of the images
 * that remain and of every container's image (a running container has them mounted). While a
 * build holds a lease, no snapshot is removed: it may be about to mount one.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import type { Digest } from "../core/digest.js";
import { liveLeaseIds } from "../store/fsck.js";
import { removeSnapshotsExcept, snapshotRoot } from "../store/snapshots.js";
import type { Store } from "../store/store.js";
import { reclaimAll, whereOf } from "./container-shared.js";

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

/** runCacheDirs adds the start-cache dirs of `wanted` images and removes the start-cache files of all others. */
async function runCacheDirs(store: Store, wanted: ReadonlySet<string>, keep: Set<string>): Promise<void> {
  const dir = `${store.root}/run-cache`;
  const files = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
  for (const f of files) {
    if (!f.endsWith(".json")) continue;
    if (!wanted.has(f.slice(0, -".json".length))) {
      await rm(`${dir}/${f}`, { force: true });
      continue;
    }
    try {
      const rec = JSON.parse(await readFile(`${dir}/${f}`, "utf8")) as { lowers?: unknown };
      dirNames(store, Array.isArray(rec.lowers) ? rec.lowers : [], keep);
    } catch (err) {
      // A torn or foreign file is ignored by `tsbuild run` too (it reads the image instead).
      if (!(err instanceof SyntaxError)) throw err;
    }
  }
}

/** containerImages are the images of every container in the store, running or not. */
export async function containerImages(store: Store): Promise<Set<Digest>> {
  return new Set((await reclaimAll(whereOf({ root: store.root }))).map((c) => c.imageDigest as Digest));
}

/** pruneSnapshots removes the layer snapshots nothing uses (see the file comment). */
export async function pruneSnapshots(store: Store): Promise<SnapshotPrune> {
  if (liveLeaseIds(store).length > 0) return { skipped: "a build is running" };
  const keep = new Set<string>();
  await cacheDirs(store, keep);
  const wanted = new Set<string>([...store.meta.listImages().map((i) => i.digest), ...(await containerImages(store))].map((d) => d.slice("sha256:".length)));
  await runCacheDirs(store, wanted, keep);
  return { removed: await removeSnapshotsExcept(store, keep) };
}
