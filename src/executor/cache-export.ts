/**
 * exportCache writes build-cache records and the layer blobs they use into a local cache
 * directory (cache-format.ts), for `--cache-to type=local,dest=DIR`. Blobs are copied through the
 * store's verifying reader; blobs already in the directory are kept; the config, the manifest and
 * index.json are replaced atomically, so a reader sees the old cache or the new one.
 */
import { createWriteStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { hexOf, type Digest } from "../core/digest.js";
import { atomicWrite, OCI_LAYOUT_FILE } from "../image/layout.js";
import { descriptorOf, encodeJson, MediaTypes, type Descriptor } from "../image/oci.js";
import type { Store } from "../store/store.js";
import { CACHE_CONFIG_MEDIA_TYPE, CACHE_REF_NAME, DIFF_ID_ANNOTATION, LAYER_DIR_NAME, type CacheConfig } from "./cache-format.js";
import type { FsResult, LayerBlob } from "./ops/types.js";

/** CacheEntry is one record to export: a vertex's cache key and its result. */
export interface CacheEntry {
  readonly key: Digest;
  readonly result: FsResult;
}

/** ExportedCache says what exportCache wrote. */
export interface ExportedCache {
  readonly manifest: Digest;
  readonly records: number;
  readonly layers: number;
}

/** collect turns entries into the config and the deduplicated layer list (first use first). */
function collect(entries: readonly CacheEntry[]): { config: CacheConfig; layers: LayerBlob[] } {
  const layers: LayerBlob[] = [];
  const index = new Map<Digest, number>();
  const indexOf = (b: LayerBlob): number => {
    let i = index.get(b.digest);
    if (i === undefined) {
      i = layers.push(b) - 1;
      index.set(b.digest, i);
    }
    return i;
  };
  const records: CacheConfig["records"] = [];
  for (const { key, result } of entries) {
    const dirs = result.layers.map((l) => ({ dir: basename(l.dir), blobs: l.blobs.map(indexOf) }));
    // A result whose dirs are not named by tsbuild's scheme cannot be rebuilt elsewhere; leave it out.
    if (dirs.every((d) => LAYER_DIR_NAME.test(d.dir))) records.push({ key, layers: dirs });
  }
  records.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { config: { version: 1, records }, layers };
}

/** putBlob writes bytes under their digest in the layout unless they are there already. */
async function putBlob(dir: string, d: Descriptor, write: (tmp: string) => Promise<unknown>): Promise<void> {
  const dest = join(dir, "blobs", "sha256", hexOf(d.digest));
  if ((await stat(dest).catch(() => undefined))?.size === d.size) return;
  await atomicWrite(dest, write);
}

/** exportCache writes `entries` into the cache directory `dir` (created when missing). */
export async function exportCache(store: Store, entries: readonly CacheEntry[], dir: string): Promise<ExportedCache> {
  const { config, layers } = collect(entries);
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  const layerDescs: Descriptor[] = layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size, annotations: { [DIFF_ID_ANNOTATION]: l.diffId } }));
  for (const d of layerDescs) await putBlob(dir, d, async (tmp) => pipeline(await store.blobs.open(d.digest, d.size), createWriteStream(tmp)));
  const configBytes = encodeJson(config);
  const configDesc = descriptorOf(CACHE_CONFIG_MEDIA_TYPE, configBytes);
  const manifestBytes = encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: configDesc, layers: layerDescs });
  const manifestDesc = descriptorOf(MediaTypes.ociManifest, manifestBytes, { annotations: { "org.opencontainers.image.ref.name": CACHE_REF_NAME } });
  await putBlob(dir, configDesc, (tmp) => writeFile(tmp, configBytes));
  await putBlob(dir, manifestDesc, (tmp) => writeFile(tmp, manifestBytes));
  await atomicWrite(join(dir, "oci-layout"), (tmp) => writeFile(tmp, OCI_LAYOUT_FILE));
  await atomicWrite(join(dir, "index.json"), (tmp) => writeFile(tmp, encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [manifestDesc] })));
  return { manifest: manifestDesc.digest, records: config.records.length, layers: layers.length };
}
