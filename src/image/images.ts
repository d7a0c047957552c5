import { isDigest, parseDigest, type Digest } from "../core/digest.js";
import { NotFoundError, StoreError } from "../store/errors.js";
import { sweep } from "../store/gc.js";
import { LAST_USED_INTERVAL_MS } from "../store/meta.js";
import { MAX_MANIFEST_BYTES } from "../store/reach.js";
import type { Store } from "../store/store.js";
import { descriptorOf, imageConfigSchema, isManifestType, manifestSchema, parseJsonBytes, type ImageConfig, type Manifest } from "./oci.js";
import { familiar, parseImageName, refKey, splitRefKey } from "./name.js";
import { resolveImage } from "./resolve.js";

export { resolveImage };

/** MAX_CONFIG_BYTES caps image configs read from the store or an archive. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** StoredImage is an image read back from the store: raw manifest bytes, parsed manifest and config. */
export interface StoredImage {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly manifestBytes: Buffer;
  readonly manifest: Manifest;
  readonly config: ImageConfig;
  readonly refs: readonly string[];
}

/** readImage loads and validates an image by manifest digest, and records that it was used now (see LAST_USED_INTERVAL_MS). */
export async function readImage(store: Store, digest: Digest): Promise<StoredImage> {
  const rec = store.meta.getImage(digest);
  if (!rec) throw new NotFoundError(`no image with manifest ${digest} in the store`);
  const manifestBytes = await store.blobs.readAll(digest, MAX_MANIFEST_BYTES);
  const manifest = parseJsonBytes(manifestBytes, manifestSchema, `manifest ${digest}`);
  const configBytes = await store.blobs.readAll(manifest.config.digest, MAX_CONFIG_BYTES);
  const config = parseJsonBytes(configBytes, imageConfigSchema, `config ${manifest.config.digest}`);
  const now = Date.now();
  if (now - rec.lastUsed >= LAST_USED_INTERVAL_MS) store.meta.touchImage(digest, now);
  return { digest, mediaType: rec.mediaType, manifestBytes, manifest, config, refs: store.meta.refsTo(digest) };
}

/**
 * addImage stores manifest bytes (exactly as given) after checking that they validate and that
 * the config (a valid image config) and every layer are already in the store, then records the image and points each
 * tag at it. Returns the manifest digest.
 */
export async function addImage(store: Store, manifestBytes: Buffer, tags: readonly string[]): Promise<Digest> {
  const manifest = parseJsonBytes(manifestBytes, manifestSchema, "manifest");
  const mediaType = manifest.mediaType ?? "application/vnd.oci.image.manifest.v1+json";
  if (!isManifestType(mediaType)) throw new StoreError(`manifest has media type ${mediaType}, not an image manifest`);
  for (const d of [manifest.config, ...manifest.layers]) {
    const st = await store.blobs.stat(d.digest);
    if (!st) throw new NotFoundError(`manifest needs blob ${d.digest} (${d.mediaType}), which is not in the store`);
    if (st.size !== d.size) throw new StoreError(`blob ${d.digest} is ${st.size} bytes but the manifest says ${d.size}`);
  }
  const configBytes = await store.blobs.readAll(manifest.config.digest, MAX_CONFIG_BYTES);
  const created = Date.parse(parseJsonBytes(configBytes, imageConfigSchema, `config ${manifest.config.digest}`).created ?? "");
  const desc = descriptorOf(mediaType, manifestBytes);
  await store.blobs.write(manifestBytes, { digest: desc.digest, size: desc.size });
  const keys = tags.map((t) => refKey(parseImageName(t)));
  store.meta.db.transaction(() => {
    store.meta.putImage({ digest: desc.digest, mediaType, configDigest: manifest.config.digest, ...(Number.isFinite(created) ? { imageCreated: created } : {}), size: manifest.layers.reduce((n, l) => n + l.size, manifest.config.size + desc.size) });
    for (const k of keys) store.meta.setRef(k, desc.digest);
  })();
  return desc.digest;
}

/** tagImage points DST at the image SRC names. */
export function tagImage(store: Store, src: string, dst: string): Digest {
  const digest = resolveImage(store, src);
  store.meta.setRef(refKey(parseImageName(dst)), digest);
  return digest;
}

/** RemoveResult lists the names untagged and the images deleted by removeImages. */
export interface RemoveResult {
  readonly untagged: string[];
  readonly deleted: Digest[];
}

/**
 * removeImages removes each REF as `docker rmi` does: a name is untagged, and the image is
 * deleted once no name points at it; an ID or digest that several names point at is refused
 * unless `force`, which removes all of them. Blobs no longer used by anything are then deleted.
 */
export async function removeImages(store: Store, refs: readonly string[], force: boolean): Promise<RemoveResult> {
  const result: RemoveResult = { untagged: [], deleted: [] };
  for (const ref of refs) {
    const digest = resolveImage(store, ref);
    let byName: string | undefined;
    try {
      const n = parseImageName(ref);
      if (n.tag !== undefined && store.meta.getRef(refKey(n)) === digest) byName = refKey(n);
    } catch {
      // Not a name (an ID prefix such as "abc1" is not a valid tag either way); removed by ID below.
    }
    const names = byName ? [byName] : store.meta.refsTo(digest);
    if (!byName && names.length > 1 && !force) {
      throw new StoreError(`image ${ref} is tagged as ${names.map(displayRef).join(", ")}; remove those names, or use -f to remove them all`);
    }
    for (const n of names) if (store.meta.deleteRef(n)) result.untagged.push(displayRef(n));
    if (store.meta.refsTo(digest).length === 0) {
      store.meta.deleteImage(digest);
      result.deleted.push(digest);
    }
  }
  if (result.deleted.length > 0) await sweep(store);
  return result;
}

/** displayRef prints a stored ref key in Docker's familiar form. */
export function displayRef(key: string): string {
  const { repository, tag } = splitRefKey(key);
  return `${familiar(repository)}:${tag}`;
}

/** ImageRow is one line of `tsbuild images`. */
export interface ImageRow {
  readonly repository: string;
  readonly tag: string;
  readonly id: Digest;
  readonly digest: Digest;
  /** created is the config's creation time in ms (as `docker images` shows), else when the image was stored. */
  readonly created: number;
  readonly size: number;
}

/** listImages returns one row per name (and one `<none>` row for each untagged image), newest first. */
export function listImages(store: Store): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const img of store.meta.listImages()) {
    const names = store.meta.refsTo(img.digest);
    const base = { id: img.configDigest, digest: img.digest, created: img.imageCreated ?? img.createdAt, size: img.size };
    if (names.length === 0) rows.push({ repository: "<none>", tag: "<none>", ...base });
    for (const n of names) {
      const { repository, tag } = splitRefKey(n);
      rows.push({ repository: familiar(repository), tag, ...base });
    }
  }
  return rows;
}

/** inspectImage returns what `tsbuild inspect` prints: names, digests, manifest and config. */
export async function inspectImage(store: Store, ref: string): Promise<Record<string, unknown>> {
  const img = await readImage(store, resolveImage(store, ref));
  return {
    Id: img.manifest.config.digest,
    Digest: img.digest,
    RepoTags: img.refs.map(displayRef),
    MediaType: img.mediaType,
    Size: img.manifest.layers.reduce((n, l) => n + l.size, 0),
    Layers: img.manifest.layers.map((l, i) => ({ digest: l.digest, diffId: img.config.rootfs.diff_ids[i], size: l.size, mediaType: l.mediaType })),
    Manifest: img.manifest,
    Config: img.config,
  };
}
