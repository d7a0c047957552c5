import { createWriteStream } from "node:fs";
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { hexOf, type Digest } from "../core/digest.js";
import { InputError } from "../core/errors.js";
import { fsyncDir } from "../store/blobs.js";
import type { Store } from "../store/store.js";
import { readImage, resolveImage } from "./images.js";
import { familiar, parseImageName, splitRefKey } from "./name.js";
import { encodeJson, indexSchema, MediaTypes, parseJsonBytes, type Descriptor, type Index } from "./oci.js";
import { writeLayerTar } from "./tar.js";
import type { LayerEntry } from "./tar-entry.js";

/** OCI_LAYOUT_FILE is the `oci-layout` marker file's exact content. */
export const OCI_LAYOUT_FILE = '{"imageLayoutVersion":"1.0.0"}';

/** ExportPlan is what an export writes: the index, the blobs it needs, and `docker load`'s manifest.json. */
export interface ExportPlan {
  readonly index: Index;
  readonly blobs: readonly { digest: Digest; size: number }[];
  readonly dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[];
}

const blobPath = (d: Digest) => `blobs/sha256/${hexOf(d)}`;

/**
 * planExport resolves each REF and lists what an OCI layout of them holds. Each named image's
 * index entry carries `io.containerd.image.name` (the full name) and
 * `org.opencontainers.image.ref.name` (the tag), as `docker save` writes them.
 */
export async function planExport(store: Store, refs: readonly string[]): Promise<ExportPlan> {
  const manifests: Descriptor[] = [];
  const blobs = new Map<Digest, number>();
  const dockerManifest: ExportPlan["dockerManifest"] = [];
  for (const ref of refs) {
    const img = await readImage(store, resolveImage(store, ref));
    const named = pickName(store, ref, img.refs);
    const annotations = named ? { "io.containerd.image.name": named.full, "org.opencontainers.image.ref.name": named.tag } : undefined;
    manifests.push({ mediaType: img.mediaType, digest: img.digest, size: img.manifestBytes.length, ...(annotations ? { annotations } : {}) });
    for (const d of [{ digest: img.digest, size: img.manifestBytes.length }, img.manifest.config, ...img.manifest.layers]) blobs.set(d.digest, d.size);
    dockerManifest.push({ Config: blobPath(img.manifest.config.digest), RepoTags: named ? [named.familiar] : [], Layers: img.manifest.layers.map((l) => blobPath(l.digest)) });
  }
  const index: Index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests };
  return { index, blobs: [...blobs].map(([digest, size]) => ({ digest, size })), dockerManifest };
}

/** pickName chooses the name an exported image is labelled with: the REF itself if it is a name of the image, else its first name. */
function pickName(store: Store, ref: string, names: readonly string[]): { full: string; tag: string; familiar: string } | undefined {
  let key: string | undefined;
  try {
    const n = parseImageName(ref);
    if (n.tag && names.includes(`${n.repository}:${n.tag}`)) key = `${n.repository}:${n.tag}`;
  } catch {
    // REF is an ID or digest, not a name; fall back to the image's first name.
  }
  key ??= names[0];
  if (!key) return undefined;
  const { repository, tag } = splitRefKey(key);
  return { full: key, tag, familiar: `${familiar(repository)}:${tag}` };
}

/**
 * saveLayoutDir writes (or adds to) an OCI image layout directory. Blobs are copied through the
 * store's verifying reader into temp files and renamed into place; index.json keeps entries of
 * other names already there and is replaced atomically.
 */
export async function saveLayoutDir(store: Store, refs: readonly string[], dir: string): Promise<ExportPlan> {
  const plan = await planExport(store, refs);
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  for (const b of plan.blobs) {
    const dest = join(dir, blobPath(b.digest));
    if ((await stat(dest).catch(() => undefined))?.size === b.size) continue; // already there (a layout re-export)
    await atomicWrite(dest, async (tmp) => pipeline(await store.blobs.open(b.digest, b.size), createWriteStream(tmp)));
  }
  const index = await mergeIndex(join(dir, "index.json"), plan.index);
  await atomicWrite(join(dir, "oci-layout"), (tmp) => writeFile(tmp, OCI_LAYOUT_FILE));
  await atomicWrite(join(dir, "index.json"), (tmp) => writeFile(tmp, encodeJson(index)));
  return plan;
}

async function mergeIndex(file: string, fresh: Index): Promise<Index> {
  let old: Index;
  try {
    old = parseJsonBytes(await readFile(file), indexSchema, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return fresh;
    throw new InputError(`cannot add to the OCI layout: ${(err as Error).message}`);
  }
  const names = new Set(fresh.manifests.map((m) => m.annotations?.["org.opencontainers.image.ref.name"]).filter(Boolean));
  const digests = new Set(fresh.manifests.map((m) => m.digest));
  const kept = old.manifests.filter((m) => !names.has(m.annotations?.["org.opencontainers.image.ref.name"]) && !digests.has(m.digest));
  return { ...fresh, manifests: [...kept, ...fresh.manifests] };
}

/**
 * saveArchive writes one tar, to a file (through a temp file renamed into place) or to a stream
 * such as standard output. `oci` is an OCI layout (oci-layout, index.json, blobs); `docker` adds
 * the manifest.json `docker load` reads, pointing at the same blobs, which is what `docker save`
 * writes since Engine 25. Blobs stream through the store's verifying reader.
 */
export async function saveArchive(store: Store, refs: readonly string[], dest: string | NodeJS.WritableStream, format: "oci" | "docker"): Promise<ExportPlan> {
  const plan = await planExport(store, refs);
  const entries: LayerEntry[] = [
    { type: "file", path: "oci-layout", content: Buffer.from(OCI_LAYOUT_FILE), mode: 0o644 },
    { type: "file", path: "index.json", content: encodeJson(plan.index), mode: 0o644 },
    { type: "directory", path: "blobs", mode: 0o755 },
    { type: "directory", path: "blobs/sha256", mode: 0o755 },
  ];
  if (format === "docker") entries.push({ type: "file", path: "manifest.json", content: Buffer.from(JSON.stringify(plan.dockerManifest)), mode: 0o644 });
  for (const b of plan.blobs) {
    const open = async function* () {
      yield* await store.blobs.open(b.digest, b.size);
    };
    entries.push({ type: "file", path: blobPath(b.digest), mode: 0o644, content: { size: b.size, open } });
  }
  if (typeof dest === "string") await atomicWrite(dest, (tmp) => pipeline(writeLayerTar(entries), createWriteStream(tmp)));
  else await pipeline(writeLayerTar(entries), dest, { end: false });
  return plan;
}

/** atomicWrite has `write` fill a temp file next to `dest`, fsyncs it, and renames it into place (the temp file is removed on failure). */
export async function atomicWrite(dest: string, write: (tmp: string) => Promise<unknown>): Promise<void> {
  const tmp = `${dest}.tsbuild-${process.pid}.tmp`;
  try {
    await write(tmp);
    const fh = await open(tmp, "r");
    await fh.sync();
    await fh.close();
    await rename(tmp, dest);
    await fsyncDir(dirname(dest));
  } catch (err) {
    await unlink(tmp).catch(() => undefined); // the temp file may never have been created
    throw err;
  }
}
