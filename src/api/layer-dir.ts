/**
 * unpackLayerDir rebuilds a build step's layer dir (overlay upper format) from its layer blob in
 * the store, for results taken from an imported build cache: the blob is unpacked on its own into
 * an empty dir with the safe unpacker, then its whiteouts and opaque markers (read from the tar)
 * are written the way overlayfs keeps them. Resolves with the diffID it read.
 */
import type { Digest } from "../core/digest.js";
import type { LayerBlob } from "../executor/ops/types.js";
import { DEFAULT_UNPACK_LIMITS, unpackLayer } from "../image/unpack.js";
import { decompressLayer } from "../image/decompress.js";
import { readTar } from "../image/tar-reader.js";
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from "../image/tar-entry.js";
import { markOverlayWhiteouts, type OverlayMarkers } from "../runtime/snapshot.js";
import type { Store } from "../store/store.js";

/** layerMarkers lists the layer's whiteouts and opaque directories (relative paths). */
async function layerMarkers(store: Store, blob: LayerBlob): Promise<OverlayMarkers> {
  const whiteouts: string[] = [];
  const opaques: string[] = [];
  const tar = decompressLayer(await store.blobs.open(blob.digest, blob.size), DEFAULT_UNPACK_LIMITS.maxUncompressedBytes);
  for await (const { header, body } of readTar(tar)) {
    for await (const _ of body); // drain: the reader needs the body consumed before the next header
    const name = header.name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
    const slash = name.lastIndexOf("/");
    const dir = slash < 0 ? "" : name.slice(0, slash);
    const base = name.slice(slash + 1);
    if (base === OPAQUE_MARKER) opaques.push(dir);
    else if (base.startsWith(WHITEOUT_PREFIX)) whiteouts.push(dir === "" ? base.slice(WHITEOUT_PREFIX.length) : `${dir}/${base.slice(WHITEOUT_PREFIX.length)}`);
  }
  return { whiteouts, opaques };
}

/** unpackLayerDir unpacks `blob` into the empty dir `dest` as an overlay upper dir; see the module comment. */
export async function unpackLayerDir(store: Store, blob: LayerBlob, dest: string): Promise<Digest> {
  const res = await unpackLayer(await store.blobs.open(blob.digest, blob.size), dest, { keepSetuid: true, devices: "create" });
  await markOverlayWhiteouts(dest, await layerMarkers(store, blob));
  return res.diffId;
}
