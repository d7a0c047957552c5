/**
 * commitLayer turns a step's upper dir into an image layer: its diff (overlay whiteouts as OCI
 * whiteouts) is written as a layer tar, hashed for the diffID while it streams, gzip-compressed
 * into the store by the store's commit protocol. The upper dir stays as the layer's dir.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { Digest } from "../../core/digest.js";
import { gzipMembers } from "../../image/gzip-members.js";
import type { LayerEntry } from "../../image/tar-entry.js";
import { writeLayerTar } from "../../image/tar.js";
import type { DiffEntry } from "../../runtime/diff.js";
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
      return { ...common, type: "file", content: { size: d.size, open } };
    }
  }
}

/** commitLayer writes the diff of `upper` as a gzip layer blob (members compressed in parallel) and returns its descriptor. */
export async function commitLayer(services: OpServices, upper: string): Promise<LayerBlob> {
  const diff = await services.diffUpper(upper);
  const tar = writeLayerTar(diff.map(toLayerEntry), services.sourceDateEpoch === undefined ? {} : { sourceDateEpoch: services.sourceDateEpoch });
  const hash = createHash("sha256");
  const blob = await services.store.blobs.write(Readable.from(gzipMembers(tar, { onInput: (b) => hash.update(b) })));
  return { digest: blob.digest, size: blob.size, mediaType: LAYER_MEDIA_TYPE, diffId: `sha256:${hash.digest("hex")}` as Digest };
}
