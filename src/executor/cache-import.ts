/**
 * Importing a local build cache (`--cache-from type=local,src=DIR`, format in cache-format.ts).
 * readCacheDir reads and validates the directory's index, manifest and cache config up front;
 * createImportingCache answers cache lookups from the store first and then from the imported
 * records, bringing a hit's layer blobs into the store and rebuilding its layer dirs, and records
 * the hit in the store so that later builds find it there.
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { hexOf, sha256, type Digest } from "../core/digest.js";
import { InputError } from "../core/errors.js";
import { indexSchema, isManifestType, manifestSchema, parseJsonBytes } from "../image/oci.js";
import { CACHE_CONFIG_MEDIA_TYPE, CACHE_REF_NAME, cacheConfigSchema, DIFF_ID_ANNOTATION, type CacheConfig } from "./cache-format.js";
import { materializeLayerDir } from "./ops/layer-dirs.js";
import { baseImage } from "./ops/runner.js";
import type { FsResult, LayerBlob, LayerDir, OpServices } from "./ops/types.js";
import type { CacheStore } from "./types.js";

/** CacheSource is one imported cache directory: its records and the layer blobs they index. */
export interface CacheSource {
  readonly dir: string;
  readonly config: CacheConfig;
  readonly layers: readonly LayerBlob[];
}

/** MAX_CACHE_JSON_BYTES bounds index.json, the manifest and the cache config read from a cache dir. */
const MAX_CACHE_JSON_BYTES = 64 * 1024 * 1024;

/** readBlob reads a small blob of the layout and checks its size and digest. */
async function readBlob(dir: string, d: { digest: Digest; size: number }, what: string): Promise<Buffer> {
  if (d.size > MAX_CACHE_JSON_BYTES) throw new InputError(`cache ${dir}: the ${what} ${d.digest} is ${d.size} bytes, more than the ${MAX_CACHE_JSON_BYTES} allowed`);
  const bytes = await readFile(join(dir, "blobs", "sha256", hexOf(d.digest))).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`cache ${dir}: cannot read the ${what} ${d.digest}: ${err.code === "ENOENT" ? "the blob is missing" : err.message}`);
  });
  if (bytes.length !== d.size || sha256(bytes) !== d.digest) throw new InputError(`cache ${dir}: the ${what} blob does not match its digest ${d.digest}; the cache is damaged, export it again`);
  return bytes;
}

/**
 * readCacheDir reads the cache at `dir`. Resolves with undefined when the directory has no
 * index.json (no cache exported there yet); rejects with InputError naming the file when the
 * cache is malformed or is not a tsbuild cache.
 */
export async function readCacheDir(dir: string): Promise<CacheSource | undefined> {
  const indexFile = join(dir, "index.json");
  const st = await stat(indexFile).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
    throw err;
  });
  if (!st) return undefined;
  if (st.size > MAX_CACHE_JSON_BYTES) throw new InputError(`cache ${indexFile} is larger than ${MAX_CACHE_JSON_BYTES} bytes`);
  const index = parseJsonBytes(await readFile(indexFile), indexSchema, indexFile);
  const manifests = index.manifests.filter((m) => isManifestType(m.mediaType));
  const desc = manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === CACHE_REF_NAME) ?? manifests[0];
  if (!desc) throw new InputError(`cache ${indexFile} names no manifest; export a cache there with --cache-to type=local,dest=${dir}`);
  const manifest = parseJsonBytes(await readBlob(dir, desc, "manifest"), manifestSchema, `cache manifest ${desc.digest}`);
  if (manifest.config.mediaType !== CACHE_CONFIG_MEDIA_TYPE) {
    throw new InputError(`cache ${dir} is not a tsbuild build cache (its config is ${manifest.config.mediaType}, expected ${CACHE_CONFIG_MEDIA_TYPE}); BuildKit caches cannot be imported`);
  }
  const config = parseJsonBytes(await readBlob(dir, manifest.config, "cache config"), cacheConfigSchema, `cache config ${manifest.config.digest}`);
  const layers = manifest.layers.map((l): LayerBlob => {
    const diffId = l.annotations?.[DIFF_ID_ANNOTATION];
    if (diffId === undefined || !/^sha256:[0-9a-f]{64}$/.test(diffId)) throw new InputError(`cache ${dir}: layer ${l.digest} has no valid ${DIFF_ID_ANNOTATION} annotation`);
    return { digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: diffId as Digest };
  });
  for (const r of config.records) {
    for (const g of r.layers) {
      if (g.blobs.some((i) => i >= layers.length)) throw new InputError(`cache ${dir}: record ${r.key} uses a layer the manifest does not list`);
      if (!g.dir.startsWith("base-") && (g.blobs.length !== 1 || hexOf(layers[g.blobs[0]!]!.diffId) !== g.dir)) {
        throw new InputError(`cache ${dir}: record ${r.key} has a step layer dir ${g.dir} that does not match its one layer's diffID`);
      }
    }
  }
  return { dir, config, layers };
}

/** Importer rebuilds results from cache records, each layer dir once. */
class Importer {
  private readonly dirs = new Map<string, Promise<LayerDir>>();
  constructor(private readonly services: OpServices) {}

  async result(source: CacheSource, record: CacheConfig["records"][number]): Promise<FsResult> {
    const layers: LayerDir[] = [];
    for (const g of record.layers) {
      let dir = this.dirs.get(g.dir);
      if (!dir) {
        dir = this.layerDir(source, g.dir, g.blobs.map((i) => source.layers[i]!));
        this.dirs.set(g.dir, dir);
        dir.catch(() => this.dirs.delete(g.dir)); // a failed import is retried by the next lookup, which reports it again
      }
      layers.push(await dir);
    }
    return { layers };
  }

  private async layerDir(source: CacheSource, name: string, blobs: readonly LayerBlob[]): Promise<LayerDir> {
    // A base image dir is the base unpacked from the store: the record's key covers the base's digest, which this build resolved.
    if (name.startsWith("base-")) return (await baseImage(this.services, `sha256:${name.slice(5)}` as Digest)).layers[0]!;
    const blob = blobs[0]!;
    const { store } = this.services;
    if (!(await store.blobs.has(blob.digest))) {
      await store.blobs.write(createReadStream(join(source.dir, "blobs", "sha256", hexOf(blob.digest))), { digest: blob.digest, size: blob.size });
    }
    return { dir: await materializeLayerDir(this.services, blob, `cache ${source.dir}`), blobs: [blob] };
  }
}

/**
 * createImportingCache returns a CacheStore that reads `local` first, then the records of
 * `sources` (the first source holding a key wins). An imported hit is put into `local`.
 */
export function createImportingCache(local: CacheStore<FsResult>, sources: readonly CacheSource[], services: OpServices): CacheStore<FsResult> {
  const records = new Map<Digest, { source: CacheSource; record: CacheConfig["records"][number] }>();
  for (const source of sources) for (const record of source.config.records) if (!records.has(record.key)) records.set(record.key, { source, record });
  const importer = new Importer(services);
  return {
    async get(key) {
      const hit = await local.get(key);
      if (hit !== undefined) return hit;
      const found = records.get(key);
      if (!found) return undefined;
      const result = await importer.result(found.source, found.record);
      await local.put(key, result);
      return result;
    },
    put: (key, result) => local.put(key, result),
  };
}
