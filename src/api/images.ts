import { rm } from "node:fs/promises";
import type { Digest } from "../core/digest.js";
import { InputError } from "../core/errors.js";
import { importRootfs, type ImportOptions, type ImportResult } from "../image/import.js";
import { inspectImage, listImages, removeImages, tagImage, type ImageRow, type RemoveResult } from "../image/images.js";
import { saveArchive, saveLayoutDir, type ExportPlan } from "../image/layout.js";
import { loadArchive, type LoadResult } from "../image/load.js";
import { containerImages, pruneSnapshots, type SnapshotPrune } from "./prune-snapshots.js";
import { familiar, ImageNameError, parseImageName } from "../image/name.js";
import { packDirectories, type PackOptions, type PackResult } from "../image/pack.js";
import { unpackImage } from "../image/unpack-image.js";
import type { UnpackOptions, UnpackResult } from "../image/unpack.js";
import { layerDirDigest } from "../executor/ops/layer.js";
import { diffUpper } from "../runtime/diff.js";
import { fsck, type FsckReport } from "../store/fsck.js";
import { diskUsage, prune, type DiskUsage, type PruneOptions, type PruneReport } from "../store/gc.js";
import { resolveStoreRoot } from "../store/root.js";
import { openStore, type Store } from "../store/store.js";

/** StoreOptions choose the store: `root` as `--root` gives it, else TSBUILD_ROOT or the default (see resolveStoreRoot). */
export interface StoreOptions {
  readonly root?: string;
}

/** withStore opens the store for one operation and always closes it (the api modules share it). */
export async function withStore<T>(opts: StoreOptions, fn: (s: Store) => Promise<T> | T): Promise<T> {
  const store = openStore(resolveStoreRoot({ flag: opts.root }));
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** sourceDateEpoch reads SOURCE_DATE_EPOCH from the environment (seconds), refusing a malformed value. */
export function sourceDateEpoch(): number | undefined {
  const v = process.env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === "") return undefined;
  if (!/^\d+$/.test(v)) throw new InputError(`SOURCE_DATE_EPOCH=${JSON.stringify(v)} is not a whole number of seconds since 1970`);
  return Number(v);
}

/** importImage stores a rootfs tar as a one-layer image named by tags (SOURCE_DATE_EPOCH sets its creation time). */
export function importImage(file: string, tags: readonly string[], opts: StoreOptions & ImportOptions = {}): Promise<ImportResult> {
  return withStore(opts, (s) => importRootfs(s, file, tags, { sourceDateEpoch: sourceDateEpoch(), ...opts }));
}

/** images lists stored images, one row per name. */
export function images(opts: StoreOptions = {}): Promise<ImageRow[]> {
  return withStore(opts, (s) => listImages(s));
}

/** tag gives the image SRC names another name DST. */
export function tag(src: string, dst: string, opts: StoreOptions = {}): Promise<Digest> {
  return withStore(opts, (s) => tagImage(s, src, dst));
}

/** removeImage untags or deletes images as `docker rmi` does. */
export function removeImage(refs: readonly string[], force: boolean, opts: StoreOptions = {}): Promise<RemoveResult> {
  return withStore(opts, (s) => removeImages(s, refs, force));
}

/** inspect returns an image's names, digests, manifest and config. */
export function inspect(ref: string, opts: StoreOptions = {}): Promise<Record<string, unknown>> {
  return withStore(opts, (s) => inspectImage(s, ref));
}

/** SaveFormat is an export shape: an OCI layout tar, a tar `docker load` accepts, or an OCI layout directory. */
export type SaveFormat = "oci" | "docker" | "oci-dir";

/** save exports images to a file, a writable stream (tar formats), or (oci-dir) a directory. */
export function save(refs: readonly string[], output: string | NodeJS.WritableStream, format: SaveFormat, opts: StoreOptions = {}): Promise<ExportPlan> {
  return withStore(opts, (s) => {
    if (format !== "oci-dir") return saveArchive(s, refs, output, format);
    if (typeof output !== "string") throw new InputError("--format oci-dir writes a directory: give -o DIR");
    return saveLayoutDir(s, refs, output);
  });
}

/** load stores the images of an archive made by `tsbuild save`, `docker save` or an OCI layout tar (a path, or a named stream). */
export function load(file: string | { name: string; stream: AsyncIterable<Uint8Array> }, opts: StoreOptions = {}): Promise<LoadResult> {
  return withStore(opts, (s) => loadArchive(s, file));
}

/**
 * checkStore runs fsck on the store, unpacked snapshots included: each one's layer tar, as the
 * builder writes it, is re-made and hashed (layerDirDigest) and compared with its record.
 */
export function checkStore(opts: StoreOptions = {}): Promise<FsckReport> {
  return withStore(opts, (s) => fsck(s, { snapshotDigester: (dir, epoch) => layerDirDigest(diffUpper, dir, epoch) }));
}

/** storeUsage reports the store's disk usage. */
export function storeUsage(opts: StoreOptions = {}): Promise<DiskUsage> {
  return withStore(opts, (s) => diskUsage(s));
}

/** StorePruneReport is what `tsbuild prune` removed: images, cache entries, blobs and unpacked layer snapshots. */
export type StorePruneReport = PruneReport & { readonly snapshots: SnapshotPrune };

/** pruneStore removes unused images, cache entries and blobs (never leased content), then the layer snapshots nothing uses. */
export function pruneStore(opts: StoreOptions & PruneOptions = {}): Promise<StorePruneReport> {
  return withStore(opts, async (s) => {
    const inUse = await containerImages(s);
    const report = await prune(s, { ...opts, inUse });
    // Parsed Dockerfiles are a cache too (src/api/parse-cache.ts); builds parse again when it is gone.
    await rm(`${s.root}/parse-cache`, { recursive: true, force: true });
    return { ...report, snapshots: await pruneSnapshots(s, inUse) };
  });
}

export type { PackOptions, PackResult, UnpackOptions, UnpackResult, ImageRow, RemoveResult, ExportPlan, LoadResult, FsckReport, DiskUsage, PruneOptions, PruneReport, ImportResult, ImportOptions };

/** pack makes an image from directories, one layer each (base first), and tags it NAME[:TAG] (see packDirectories). */
export function pack(dirs: readonly string[], name: string, opts: StoreOptions & PackOptions = {}): Promise<PackResult> {
  return withStore(opts, (s) => packDirectories(s, dirs, [name], { sourceDateEpoch: sourceDateEpoch(), ...opts }));
}

/** unpack applies an image's layers into a directory with the safe unpacker. */
export function unpack(ref: string, dest: string, opts: StoreOptions & UnpackOptions = {}): Promise<UnpackResult[]> {
  return withStore(opts, (s) => unpackImage(s, ref, dest, opts));
}

/**
 * familiarName prints an image name the way Docker does (`docker.io/library/busybox:latest` is
 * `busybox:latest`, `docker.io/me/app:1` is `me/app:1`); a name that does not parse is kept as given.
 */
export function familiarName(ref: string): string {
  try {
    const n = parseImageName(ref);
    return `${familiar(n.repository)}${n.tag !== undefined ? `:${n.tag}` : ""}${n.digest !== undefined ? `@${n.digest}` : ""}`;
  } catch (err) {
    if (err instanceof ImageNameError) return ref;
    throw err;
  }
}
