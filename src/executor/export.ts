/**
 * exportImage writes the built image into the store: an OCI image config (the plan's config and
 * history, the layers' diffIDs, `created` from SOURCE_DATE_EPOCH or the clock), the manifest
 * over the layer blobs, and the tags. Config and manifest bytes are canonical JSON.
 */
import type { Digest } from "../core/digest.js";
import { TsbuildError } from "../core/errors.js";
import { addImage } from "../image/images.js";
import { descriptorOf, encodeJson, type ImageConfig, type Manifest } from "../image/oci.js";
import type { ImagePlan } from "../planner/plan.js";
import type { Store } from "../store/store.js";
import type { FsResult, LayerBlob } from "./ops/types.js";

const CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

/** ExportedImage names what was written. */
export interface ExportedImage {
  readonly manifestDigest: Digest;
  readonly configDigest: Digest;
  readonly layers: readonly LayerBlob[];
  readonly size: number;
  /** Size in bytes of the manifest JSON. */
  readonly manifestSize: number;
}

/** rfc3339 formats seconds since the epoch as BuildKit does (no fractional part when whole). */
function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/** exportImage builds config and manifest for `result` and stores them under `tags`. */
export async function exportImage(store: Store, image: ImagePlan, result: FsResult, opts: { tags: readonly string[]; created: number }): Promise<ExportedImage> {
  const layers = result.layers.flatMap((l) => l.blobs);
  const created = rfc3339(opts.created);
  const history = image.history.map((h) => (h.created === undefined ? { ...h, created } : h));
  const withLayer = history.filter((h) => h.empty_layer !== true).length;
  if (withLayer !== layers.length) {
    throw new TsbuildError("Export", `internal: image history names ${withLayer} layers but the build produced ${layers.length}`);
  }
  const config: ImageConfig = {
    created,
    ...(image.author !== undefined ? { author: image.author } : {}),
    architecture: image.platform.architecture,
    os: image.platform.os,
    ...(image.platform.variant !== undefined ? { variant: image.platform.variant } : {}),
    config: image.config as ImageConfig["config"],
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history,
  } as ImageConfig;
  const configBytes = encodeJson(config);
  const configDesc = descriptorOf(CONFIG_MEDIA_TYPE, configBytes);
  await store.blobs.write(configBytes, { digest: configDesc.digest, size: configDesc.size });
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: configDesc,
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const manifestBytes = encodeJson(manifest);
  const manifestDigest = await addImage(store, manifestBytes, opts.tags);
  return { manifestDigest, manifestSize: manifestBytes.length, configDigest: configDesc.digest, layers, size: layers.reduce((n, l) => n + l.size, configDesc.size) };
}
