/**
 * withWritableStep runs `fn` on a writable snapshot of `parent` (its layer dirs as overlay lowers,
 * a fresh upper), then commits the upper as a new layer and keeps it as
 * `<layerRoot>/<diffID hex>`. Every mount and scratch dir is released on all paths.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, stat } from "node:fs/promises";
import { hexOf } from "../../core/digest.js";
import { beginSnapshot, deleteSnapshot, finishSnapshot, getSnapshot } from "../../store/snapshots.js";
import type { Xattrs } from "../../runtime/xattr.js";
import { commitLayer } from "./layer.js";
import { ensureLayerDirs } from "./layer-dirs.js";
import type { FsResult, LayerBlob, OpServices } from "./types.js";

/** scratchDir makes a fresh private directory under the work root and returns its path. */
export async function scratchDir(services: OpServices, kind: string): Promise<string> {
  const dir = `${services.workRoot}/${kind}-${randomBytes(8).toString("hex")}`;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** emptyLower returns a permanent empty dir that stands in as the lower of an empty filesystem. */
async function emptyLower(services: OpServices): Promise<string> {
  const dir = `${services.layerRoot}/empty`;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  return dir;
}

/** lowersOf lists a filesystem's layer dirs top first, as overlayfs wants them, unpacking step layer dirs that exist only as blobs (layer-dirs.ts). */
export async function lowersOf(services: OpServices, fs: FsResult): Promise<string[]> {
  await ensureLayerDirs(services, fs);
  const dirs = fs.layers.map((l) => l.dir).reverse();
  return dirs.length > 0 ? dirs : [await emptyLower(services)];
}

/** withReadOnlyView mounts `fs` read-only for reading (COPY --from, RUN --mount=from=). */
export async function withReadOnlyView<T>(services: OpServices, fs: FsResult, fn: (root: string) => Promise<T>): Promise<T> {
  const dirs = await services.createSnapshotDirs();
  try {
    const snap = await services.mountSnapshot({ lowers: await lowersOf(services, fs), target: dirs.target, readOnly: true });
    try {
      return await fn(snap.target);
    } finally {
      await snap.release();
    }
  } finally {
    await services.removeSnapshotDirs(dirs);
  }
}

/**
 * keepLayerDir keeps a committed step's upper dir as `<layerRoot>/<diffID hex>`, recorded as a
 * snapshot whose layer tar must hash to the diffID (under the build's SOURCE_DATE_EPOCH). The same
 * diffID means the same content: an existing dir is kept (a concurrent step may hold it as a lower).
 */
export async function keepLayerDir(services: OpServices, upper: string, blob: LayerBlob): Promise<string> {
  const name = hexOf(blob.diffId);
  const final = `${services.layerRoot}/${name}`;
  const meta = services.store.meta;
  if (await stat(final).then(() => true, () => false)) {
    if (!getSnapshot(meta, name)) finishNew(services, name, blob);
    return final;
  }
  // Snapshot records lost to power failure leave a stray or missing snapshot, which fsck and the cache treat as a miss.
  meta.relaxed(() => beginSnapshot(meta, name, "layer", blob.diffId));
  try {
    await rename(upper, final);
  } catch (err) {
    // Another process kept the same layer first (same diffID, same content): use its dir.
    const raced = await stat(final).then(() => true, () => false);
    if (!raced) meta.relaxed(() => deleteSnapshot(meta, name));
    if (!raced) throw err;
  }
  meta.relaxed(() => finishSnapshot(meta, name, blob.diffId, services.sourceDateEpoch, JSON.stringify([blob])));
  return final;
}

/** finishNew records a layer dir found in place without a record (made by a tsbuild before snapshot records). */
function finishNew(services: OpServices, name: string, blob: LayerBlob): void {
  beginSnapshot(services.store.meta, name, "layer", blob.diffId);
  finishSnapshot(services.store.meta, name, blob.diffId, services.sourceDateEpoch, JSON.stringify([blob]));
}

/**
 * withWritableStep runs fn on a writable view of parent and returns parent plus the new layer.
 * `afterRelease`, when given, may tidy the upper dir once it is unmounted, before it is committed;
 * it gets the upper's attributes (read once for it and the commit) and may only remove entries.
 */
export async function withWritableStep(
  services: OpServices,
  parent: FsResult,
  fn: (rootfs: string) => Promise<void>,
  afterRelease?: (upper: string, attrs: ReadonlyMap<string, Xattrs>) => Promise<unknown>,
): Promise<FsResult> {
  const dirs = await services.createSnapshotDirs();
  try {
    const { upper, work, target } = dirs;
    const snap = await services.mountSnapshot({ lowers: await lowersOf(services, parent), upper, work, target });
    try {
      await fn(snap.target);
    } finally {
      await snap.release();
    }
    const attrs = snap.upperXattrs?.() ?? (await services.readXattrTree(upper));
    if (afterRelease) await afterRelease(upper, attrs);
    const blob = await commitLayer(services, upper, attrs);
    return { layers: [...parent.layers, { dir: await keepLayerDir(services, upper, blob), blobs: [blob], created: Math.floor(Date.now() / 1000) }] };
  } finally {
    await services.removeSnapshotDirs(dirs);
  }
}
