/**
 * commitLayer turns a step's upper dir into an image layer: its diff (overlay whiteouts as OCI
 * whiteouts) is written as a layer tar, hashed for the diffID while it streams, gzip-compressed
 * into the store by the store's commit protocol. The upper dir stays as the layer's dir.
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { Digest } from "../../core/digest.js";
import { storeLayerEntries } from "../../image/layer-blob.js";
import type { LayerEntry } from "../../image/tar-entry.js";
import { writeLayerTar } from "../../image/tar.js";
import type { DiffEntry } from "../../runtime/diff.js";
import type { Xattrs } from "../../runtime/xattr.js";
import type { LayerBlob, OpServices } from "./types.js";

/** LAYER_MEDIA_TYPE is the media type of the layers tsbuild writes (gzip, OCI). */
export const LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

/** toLayerEntry maps a neutral diff entry onto the image tar writer's entry type. */
export function toLayerEntry(d: DiffEntry): LayerEntry {
  const common = { path: d.path, mode: d.mode, uid: d.uid, gid: d.gid, mtime: Math.floor(d.mtime), xattrs: d.xattrs };
  switch (d.kind) {
    case "whiteout":
      return { type: "whiteout", path: d.path };
    case "opaque":
      return { type: "opaque", path: d.path };
    case "dir":
      return { ...common, type: "directory" };
    case "symlink":
      return { ...common, type: "symlink", target: d.linkname ?? "" };
    case "hardlink":
      return { ...common, type: "hardlink", target: d.linkname ?? "" };
    case "char":
    case "block":
      return { ...common, type: d.kind === "char" ? "character-device" : "block-device", devmajor: d.devmajor ?? 0, devminor: d.devminor ?? 0 };
    case "fifo":
      return { ...common, type: "fifo" };
    case "file": {
      const open = d.open;
      if (!open) throw new TypeError(`diff entry ${d.path} has no content reader`);
      return { ...common, type: "file", content: { size: d.size, open, ...(d.readInto ? { readInto: d.readInto } : {}) } };
    }
  }
}

/** LAYER_GZIP_LEVEL and LAYER_GZIP_PARALLEL: gzip's default level; blocks in flight (libuv's thread pool has 4 threads). */
const LAYER_GZIP_LEVEL = 6;
const LAYER_GZIP_PARALLEL = 4;

/** commitLayer writes the diff of `upper` (whose attributes `attrs` are, when given) as a gzip layer blob (blocks compressed in parallel) and returns its descriptor. */
export async function commitLayer(services: OpServices, upper: string, attrs?: ReadonlyMap<string, Xattrs>): Promise<LayerBlob> {
  const diff = await services.diffUpper(upper, attrs);
  return commitLayerEntries(services, diff.map(toLayerEntry));
}

/** commitLayerEntries writes a changeset as a gzip layer blob, as commitLayer writes an upper dir's diff (mtimes clamped to the build's SOURCE_DATE_EPOCH). */
export async function commitLayerEntries(services: OpServices, entries: Iterable<LayerEntry>): Promise<LayerBlob> {
  const epoch = services.sourceDateEpoch;
  const blob = await storeLayerEntries(services.store, entries, epoch === undefined ? {} : { sourceDateEpoch: epoch }, { level: LAYER_GZIP_LEVEL, parallel: LAYER_GZIP_PARALLEL });
  return { ...blob, mediaType: LAYER_MEDIA_TYPE };
}

/** layerTarOfDir is the layer tar of a dir in overlay upper format, mtimes clamped to epoch when given. */
async function layerTarOfDir(diffUpper: OpServices["diffUpper"], dir: string, epoch: number | undefined, attrs?: ReadonlyMap<string, Xattrs>): Promise<Readable> {
  const diff = await diffUpper(dir, attrs);
  return writeLayerTar(diff.map(toLayerEntry), epoch === undefined ? {} : { sourceDateEpoch: epoch });
}

/**
 * layerDirDigest is the sha256 of the layer tar commitLayer would write for `dir` now: for a step's
 * kept upper dir it equals the layer's diffID while the dir is unchanged, and for a flattened base
 * image it is a digest of the whole tree (paths, types, modes, owners, mtimes, contents, link
 * targets, hardlinks, xattrs). Snapshot records keep it, and fsck re-computes it.
 */
export async function layerDirDigest(diffUpper: OpServices["diffUpper"], dir: string, epoch: number | undefined): Promise<Digest> {
  const hash = createHash("sha256");
  for await (const chunk of await layerTarOfDir(diffUpper, dir, epoch)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}` as Digest;
}
