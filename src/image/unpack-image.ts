import { TsbuildError } from "../core/errors.js";
import type { Store } from "../store/store.js";
import { readImage, resolveImage } from "./images.js";
import { isZstdLayerType, ZSTD_UNSUPPORTED } from "./oci.js";
import { unpackLayer, type UnpackOptions, type UnpackResult } from "./unpack.js";

/**
 * unpackImage applies every layer of the image REF names, base first, into dest, reading each
 * blob through the store's verifying stream and checking each layer's diffID against the
 * config's `rootfs.diff_ids`. A mismatch fails naming the layer's digest.
 */
export async function unpackImage(store: Store, ref: string, dest: string, opts: UnpackOptions = {}): Promise<UnpackResult[]> {
  const img = await readImage(store, resolveImage(store, ref));
  const results: UnpackResult[] = [];
  for (const [i, layer] of img.manifest.layers.entries()) {
    if (isZstdLayerType(layer.mediaType)) throw new TsbuildError("UnsupportedCompression", `layer ${layer.digest} of image ${img.digest} has media type ${layer.mediaType}; ${ZSTD_UNSUPPORTED}`);
    const res = await unpackLayer(await store.blobs.open(layer.digest, layer.size), dest, opts).catch((err: unknown) => {
      if (!(err instanceof TsbuildError) || err.code !== "UnsupportedCompression") throw err;
      throw new TsbuildError("UnsupportedCompression", `layer ${layer.digest} (media type ${layer.mediaType}) of image ${img.digest} is zstd-compressed; ${ZSTD_UNSUPPORTED}`, { cause: err });
    });
    const want = img.config.rootfs.diff_ids[i];
    if (res.diffId !== want) throw new TsbuildError("DiffIdMismatch", `layer ${layer.digest} unpacks to diffID ${res.diffId}, but the image config says ${want ?? "(missing)"}`);
    results.push(res);
  }
  return results;
}
