/**
 * exportImage writes the built image into the store: an OCI image config (the plan's config and
 * history, the layers' diffIDs, `created` from SOURCE_DATE_EPOCH or the layers' commit times), the manifest
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

/**
 * historyTimes dates the build's own history entries as BuildKit does: with SOURCE_DATE_EPOCH all
 * of them at that time; otherwise a layer's entry when its layer was committed (kept with the
 * cache, so a fully cached rebuild gives the same config and image ID), and a metadata-only entry
 * at the first dated entry after an undated one (or the last dated one), and after a dated entry
 * at that entry's time. `now` stands in for a layer of unknown time.
 */
function historyTimes(image: ImagePlan, result: FsResult, sourceDateEpoch: number | undefined, now: number): ImagePlan["history"] {
  if (sourceDateEpoch !== undefined) return image.history.map((h) => (h.created === undefined ? { ...h, created: rfc3339(sourceDateEpoch) } : h));
  const layerTimes = result.layers.flatMap((l) => l.blobs.map(() => l.created));
  let k = 0;
  const dated = image.history.map((h) => {
    const t = h.empty_layer === true ? undefined : layerTimes[k++];
    return h.created !== undefined ? h : t !== undefined || h.empty_layer !== true ? { ...h, created: rfc3339(t ?? now) } : h;
  });
  // The first dated entry after an undated one, else the last dated one.
  let fill: string | undefined;
  let sawUndated = false;
  for (const h of dated) {
    if (h.created === undefined) {
      sawUndated = true;
      continue;
    }
    fill = h.created;
    if (sawUndated) break;
  }
  fill ??= rfc3339(now);
  sawUndated = false;
  return dated.map((h) => {
    if (h.created !== undefined) {
      if (sawUndated) fill = h.created;
      return h;
    }
    sawUndated = true;
    return { ...h, created: fill };
  });
}

/** exportImage builds config and manifest for `result` and stores them under `tags`; `created` is the last history entry's time. */
export async function exportImage(store: Store, image: ImagePlan, result: FsResult, opts: { tags: readonly string[]; sourceDateEpoch?: number }): Promise<ExportedImage> {
  const layers = result.layers.flatMap((l) => l.blobs);
  const history = historyTimes(image, result, opts.sourceDateEpoch, Math.floor(Date.now() / 1000));
  const created = opts.sourceDateEpoch !== undefined ? rfc3339(opts.sourceDateEpoch) : (history.at(-1)?.created ?? rfc3339(Math.floor(Date.now() / 1000)));
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
