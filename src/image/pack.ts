import PQueue from "p-queue";
import type { Digest } from "../core/digest.js";
import { withLease } from "../store/lease.js";
import type { Store } from "../store/store.js";
import { addImage } from "./images.js";
import { descriptorOf, encodeJson, mediaTypesFor, type Descriptor, type ImageConfig, type ImageFormat, type Manifest } from "./oci.js";
import { storeLayerEntries } from "./layer-blob.js";
import { hostPlatform } from "./platform.js";
import { entriesFromDir } from "./tar-walk.js";

/** DEFAULT_GZIP_LEVEL is the compression level of layers tsbuild packs: zlib's level 1 writes ~3x faster than its default 6 for ~10% larger blobs. */
export const DEFAULT_GZIP_LEVEL = 1;

/** threadPoolSize is the number of libuv's thread pool threads: UV_THREADPOOL_SIZE (1-1024) or its default 4. */
function threadPoolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 1024) : 4;
}

/** PackOptions tune packDirectories. */
export interface PackOptions {
  readonly format?: ImageFormat;
  /** sourceDateEpoch sets `created` and clamps file mtimes (seconds); otherwise `created` is now. */
  readonly sourceDateEpoch?: number;
  readonly gzipLevel?: number;
  /** gzipParallel is how many blocks of one layer are deflated at once (default: libuv's thread pool threads per concurrent layer). */
  readonly gzipParallel?: number;
  /** concurrency is how many layers are packed at once (default 2: gzip runs on libuv's thread pool). */
  readonly concurrency?: number;
  /** onLayer is told of each layer blob as soon as it is committed to the store (a pipelined push starts its upload then). */
  readonly onLayer?: (desc: Descriptor, index: number) => void;
}

/** PackResult names the new image and its layers' diffIDs. */
export interface PackResult {
  readonly digest: Digest;
  readonly diffIds: readonly Digest[];
}

/**
 * packLayer writes the layer tar of a directory (walked without following symlinks, entries in
 * layer order) gzip-compressed into the store as it streams: one pass over the files, the diffID
 * hashed on the way, compressed by parallelGzip on every core, nothing held in memory but the
 * walk's entry list and a few 1 MiB blocks.
 */
export async function packLayer(store: Store, dir: string, mediaType: string, opts: PackOptions = {}): Promise<{ desc: Descriptor; diffId: Digest }> {
  const tar = opts.sourceDateEpoch === undefined ? {} : { sourceDateEpoch: opts.sourceDateEpoch };
  const blob = await storeLayerEntries(store, await entriesFromDir(dir), tar, { level: opts.gzipLevel ?? DEFAULT_GZIP_LEVEL, ...(opts.gzipParallel ? { parallel: opts.gzipParallel } : {}) });
  return { desc: { mediaType, digest: blob.digest, size: blob.size }, diffId: blob.diffId };
}

/**
 * packDirectories makes an image whose layers are the given directories, base first (each a
 * complete layer: no whiteouts), packs the layers in parallel, and tags it. The config names the
 * host platform.
 */
export async function packDirectories(store: Store, dirs: readonly string[], tags: readonly string[], opts: PackOptions = {}): Promise<PackResult> {
  const types = mediaTypesFor(opts.format ?? "oci");
  return withLease(store, async () => {
    const concurrency = opts.concurrency ?? 2;
    // Deflate jobs run on libuv's thread pool: as many in flight in all as it has threads keeps it
    // busy while the layers' tars are made on this thread (one job per core left it idle between
    // blocks: packPush of bench/registry.ts's image took 1.70-1.81 s with 2 jobs on 2 cores,
    // 1.52-1.68 s with 4).
    const perLayer = { ...opts, gzipParallel: opts.gzipParallel ?? Math.max(1, Math.ceil(threadPoolSize() / concurrency)) };
    const queue = new PQueue({ concurrency });
    const layers = await Promise.all(dirs.map((d, i) => queue.add(async () => {
      const layer = await packLayer(store, d, types.layerGzip, perLayer);
      opts.onLayer?.(layer.desc, i);
      return layer;
    })));
    const created = new Date((opts.sourceDateEpoch ?? Math.floor(Date.now() / 1000)) * 1000).toISOString().replace(".000Z", "Z");
    const diffIds = layers.map((l) => l.diffId);
    const config: ImageConfig = {
      ...hostPlatform(),
      created,
      config: {},
      rootfs: { type: "layers", diff_ids: diffIds },
      history: dirs.map(() => ({ created, created_by: "tsbuild pack", comment: "packed from a directory" })),
    };
    const configBytes = encodeJson(config);
    const configDesc = descriptorOf(types.config, configBytes);
    await store.blobs.write(configBytes, { digest: configDesc.digest, size: configDesc.size });
    const manifest: Manifest = { schemaVersion: 2, mediaType: types.manifest, config: configDesc, layers: layers.map((l) => l.desc) };
    return { digest: await addImage(store, encodeJson(manifest), tags), diffIds };
  });
}
