/**
 * Step layer dirs made from their blobs. A step's layer dir is `<layerRoot>/<diffID hex>`; a COPY
 * from the build context writes only its layer blob (copy-direct.ts), and an imported cache brings
 * only blobs, so such a dir is unpacked from its blob the first time a step mounts the filesystem
 * holding it. The unpacked dir is checked against the diffID, recorded as a snapshot (with the
 * digest of its own tree, which fsck checks) and renamed into place; a dir another step or process
 * put there first (same diffID, same content) is kept.
 */
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { basename } from "node:path";
import { hexOf } from "../../core/digest.js";
import { InputError } from "../../core/errors.js";
import { beginSnapshot, finishSnapshot, getSnapshot, snapshotTempName } from "../../store/snapshots.js";
import { layerDirDigest } from "./layer.js";
import type { FsResult, LayerBlob, LayerDir, OpServices } from "./types.js";

/** isStepLayer reports whether `l` is one step's layer (a dir named after its one blob's diffID), which its blob can rebuild. */
export function isStepLayer(l: LayerDir): boolean {
  return l.blobs.length === 1 && basename(l.dir) === hexOf((l.blobs[0] as LayerBlob).diffId);
}

/** exists reports whether a path exists. */
async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * materializeLayerDir makes sure the step layer dir of `blob` (stored in the store) exists and
 * returns its path; `origin` names where the blob came from in the error raised when it does not
 * unpack to its diffID.
 */
export async function materializeLayerDir(services: OpServices, blob: LayerBlob, origin: string): Promise<string> {
  const name = hexOf(blob.diffId);
  const final = `${services.layerRoot}/${name}`;
  const meta = services.store.meta;
  const info = JSON.stringify([blob]);
  const record = (): void => {
    beginSnapshot(meta, name, "layer", blob.diffId);
    finishSnapshot(meta, name, blob.diffId, undefined, info);
  };
  if (await exists(final)) {
    // Made by a step or an earlier unpack; a dir without a ready record is recorded as keepLayerDir does.
    if (!getSnapshot(meta, name)?.ready) record();
    return final;
  }
  const tmp = `${services.layerRoot}/${snapshotTempName("cache")}`;
  await mkdir(tmp, { recursive: true, mode: 0o755 });
  try {
    const diffId = await services.unpackLayerDir(blob, tmp);
    if (diffId !== blob.diffId) throw new InputError(`${origin}: layer ${blob.digest} unpacks to diffID ${diffId}, not ${blob.diffId}`);
    // The record keeps what the dir's own layer tar hashes to (the diffID unless the unpacker could not restore something, such as xattrs), for fsck.
    const tree = await layerDirDigest(services.diffUpper, tmp, undefined);
    beginSnapshot(meta, name, "layer", blob.diffId);
    // Another step may have made the same dir meanwhile; the same diffID means the same content, so its dir is kept.
    const moved = await rename(tmp, final).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
        return false;
      },
    );
    if (moved) finishSnapshot(meta, name, tree, undefined, info);
    else if (!getSnapshot(meta, name)?.ready) record();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return final;
}

/** pending shares the unpacks in flight, by layer dir, so that steps mounting the same layer at once unpack it once. */
const pending = new Map<string, Promise<string>>();

/** ensureLayerDirs unpacks every step layer dir of `fs` that is missing (see the module comment). */
export async function ensureLayerDirs(services: OpServices, fs: FsResult): Promise<void> {
  for (const l of fs.layers) {
    if (!isStepLayer(l) || (await exists(l.dir))) continue;
    let p = pending.get(l.dir);
    if (!p) {
      p = materializeLayerDir(services, l.blobs[0] as LayerBlob, `layer dir ${l.dir}`);
      pending.set(l.dir, p);
      const forget = (): void => {
        pending.delete(l.dir);
      };
      // Both branches only drop the table entry; the outcome reaches every waiter through p.
      p.then(forget, forget);
    }
    await p;
  }
}
