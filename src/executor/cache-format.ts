/**
 * The build-cache exchange format (`--cache-to type=local` / `--cache-from type=local`), shaped
 * like BuildKit's local cache: an OCI image layout whose index.json names one manifest; the
 * manifest's config is the cache config (cache records) and its layers are every layer blob the
 * records use, each annotated with its diffID. A record maps a cache key to a vertex result: its
 * layer dirs, base first, each a name and the blobs (indices into the manifest's layers) it holds.
 */
import * as z from "zod/mini";
import "../image/zod.js";
import { isDigest, type Digest } from "../core/digest.js";

/** CACHE_CONFIG_MEDIA_TYPE is the media type of tsbuild's cache config blob. */
export const CACHE_CONFIG_MEDIA_TYPE = "application/vnd.tsbuild.cacheconfig.v1+json";

/** DIFF_ID_ANNOTATION carries a layer blob's diffID (the annotation BuildKit's cache uses). */
export const DIFF_ID_ANNOTATION = "containerd.io/uncompressed";

/** CACHE_REF_NAME is the ref name of the cache manifest in index.json (BuildKit's default tag). */
export const CACHE_REF_NAME = "latest";

/** CacheMode: `min` exports the records of the final image's steps, `max` those of every step. */
export type CacheMode = "min" | "max";

/**
 * LAYER_DIR_NAME matches the layer dir names a record may use: `base-<manifest hex>` (a base image
 * unpacked flattened) or `<diffID hex>` (one step's layer). Nothing else may reach a path.
 */
export const LAYER_DIR_NAME = /^(base-)?[0-9a-f]{64}$/;

const digest = z.pipe(
  z.string().check(z.refine(isDigest, { message: "expected sha256:<64 lowercase hex digits>" })),
  z.transform((s: string) => s as Digest),
);

/** cacheConfigSchema validates a cache config read from a cache directory. */
export const cacheConfigSchema = z.object({
  version: z.literal(1),
  records: z.array(
    z.object({
      key: digest,
      layers: z.array(z.object({ dir: z.string().check(z.regex(LAYER_DIR_NAME)), blobs: z.array(z.int().check(z.nonnegative())) })),
    }),
  ),
});

/** CacheConfig is the validated cache config. */
export type CacheConfig = z.infer<typeof cacheConfigSchema>;
