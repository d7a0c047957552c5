import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { posix } from "node:path";
import { isDigest, type Digest } from "../core/digest.js";
import { InputError } from "../core/errors.js";
import { withLease } from "../store/lease.js";
import { MAX_MANIFEST_BYTES } from "../store/reach.js";
import type { Store } from "../store/store.js";
import type { ByteStream } from "./bytes.js";
import { decompressLayer, detectCompression, LimitError } from "./decompress.js";
import { addImage, MAX_CONFIG_BYTES } from "./images.js";
import { parseImageName } from "./name.js";
import { encodeJson, imageConfigSchema, indexSchema, isIndexType, MediaTypes, parseJsonBytes, type Descriptor, type Manifest } from "./oci.js";
import { hostPlatform } from "./platform.js";
import { readTar } from "./tar-reader.js";
import { DEFAULT_UNPACK_LIMITS } from "./unpack.js";
import * as z from "zod/mini";
import "./zod.js";

/** LoadResult lists the images a load stored, with their names. */
export interface LoadResult {
  readonly images: { digest: Digest; tags: string[] }[];
}

/** ArchiveContents is what reading an archive produced: file path -> stored blob, small JSON files, symlinks. */
interface ArchiveContents {
  readonly files: Map<string, { digest: Digest; size: number }>;
  readonly json: Map<string, Buffer>;
  readonly links: Map<string, string>;
}

const dockerManifestSchema = z.array(z.object({ Config: z.string(), RepoTags: z.optional(z.nullable(z.array(z.string()))), Layers: z.array(z.string()) }));

/**
 * loadArchive reads a tar (plain or gzip; a file path, or a named stream such as standard input) made by `tsbuild save`, `docker save` (both the
 * Engine 25+ OCI-layout form and the legacy `<id>/layer.tar` form) or any OCI layout tar, and
 * stores its images. Every file streams straight into the blob store: files under
 * `blobs/sha256/` must hash to their names (verified on the way in, nothing is committed under a
 * wrong digest); other files are stored under the digest they hash to. index.json wins over
 * manifest.json when both exist.
 */
export async function loadArchive(store: Store, file: string | { name: string; stream: ByteStream }): Promise<LoadResult> {
  const name = typeof file === "string" ? file : file.name;
  return withLease(store, async () => {
    const contents = await readArchive(store, typeof file === "string" ? createReadStream(file) : file.stream);
    if (contents.json.has("index.json")) return loadOciIndex(store, contents);
    if (contents.json.has("manifest.json")) return loadDockerManifest(store, contents);
    throw new InputError(`${name} is neither an OCI layout (no index.json) nor a docker save archive (no manifest.json)`);
  });
}

async function readArchive(store: Store, input: ByteStream): Promise<ArchiveContents> {
  const out: ArchiveContents = { files: new Map(), json: new Map(), links: new Map() };
  const source = decompressLayer(input, DEFAULT_UNPACK_LIMITS.maxUncompressedBytes);
  let count = 0;
  for await (const { header, body } of readTar(source)) {
    if (++count > DEFAULT_UNPACK_LIMITS.maxEntries) throw new LimitError(`archive has more than ${DEFAULT_UNPACK_LIMITS.maxEntries} entries (the limit)`);
    const path = posix.normalize(header.name).replace(/^(\.\/)+|^\/+/, "");
    if (header.type === "symlink") out.links.set(path, posix.normalize(posix.join(posix.dirname(path), header.linkname)));
    if (header.type !== "file") continue;
    if (/^[^/]+\.json$|^repositories$|^oci-layout$/.test(path) && header.size <= MAX_MANIFEST_BYTES) {
      const parts: Buffer[] = [];
      for await (const c of body) parts.push(c);
      out.json.set(path, Buffer.concat(parts));
      continue;
    }
    const hex = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path)?.[1];
    const expected = hex ? { digest: `sha256:${hex}` as Digest, size: header.size } : { size: header.size };
    out.files.set(path, await store.blobs.write(body, expected));
  }
  for (const [path, bytes] of out.json) if (/^[a-f0-9]{64}\.json$/.test(path)) out.files.set(path, await store.blobs.write(bytes));
  return out;
}

function lookup(c: ArchiveContents, path: string): { digest: Digest; size: number } {
  let p = posix.normalize(path);
  for (let hops = 0; hops < 10 && c.links.has(p); hops++) p = c.links.get(p) as string;
  const f = c.files.get(p);
  if (!f) throw new InputError(`archive's manifest.json names ${path}, which is not in the archive`);
  return f;
}

function tagsOf(desc: Descriptor): string[] {
  const full = desc.annotations?.["io.containerd.image.name"] ?? desc.annotations?.["org.opencontainers.image.ref.name"];
  if (!full || !/[:/]/.test(full)) return [];
  try {
    const n = parseImageName(full);
    return n.tag ? [full] : [];
  } catch {
    return []; // a ref.name that is not an image name (umoci writes bare names like "base") leaves the image untagged
  }
}

async function loadOciIndex(store: Store, c: ArchiveContents): Promise<LoadResult> {
  const index = parseJsonBytes(c.json.get("index.json") as Buffer, indexSchema, "index.json");
  const images: LoadResult["images"] = [];
  for (const desc of index.manifests) {
    let manifestDesc = desc;
    if (isIndexType(desc.mediaType)) {
      const nested = parseJsonBytes(await store.blobs.readAll(desc.digest, MAX_MANIFEST_BYTES), indexSchema, `index ${desc.digest}`);
      const host = hostPlatform();
      manifestDesc = nested.manifests.find((m) => m.platform?.architecture === host.architecture && m.platform?.os === host.os) ?? (nested.manifests[0] as Descriptor);
      if (!manifestDesc) continue;
    }
    const bytes = await store.blobs.readAll(manifestDesc.digest, MAX_MANIFEST_BYTES);
    const tags = tagsOf(desc);
    images.push({ digest: await addImage(store, bytes, tags), tags });
  }
  return { images };
}

/** readHead reads a blob's first 4 bytes (for its compression magic); the blob was verified when it was written. */
async function readHead(store: Store, digest: Digest): Promise<Buffer> {
  const fh = await open(store.blobs.path(digest), "r");
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function diffIdOf(store: Store, digest: Digest): Promise<Digest> {
  const hash = createHash("sha256");
  for await (const _ of decompressLayer(await store.blobs.open(digest), DEFAULT_UNPACK_LIMITS.maxUncompressedBytes, hash)) void _;
  return `sha256:${hash.digest("hex")}` as Digest;
}

async function loadDockerManifest(store: Store, c: ArchiveContents): Promise<LoadResult> {
  const items = parseJsonBytes(c.json.get("manifest.json") as Buffer, dockerManifestSchema, "manifest.json");
  const images: LoadResult["images"] = [];
  for (const item of items) {
    const cfg = lookup(c, item.Config);
    const config = parseJsonBytes(await store.blobs.readAll(cfg.digest, MAX_CONFIG_BYTES), imageConfigSchema, `config ${item.Config}`);
    if (config.rootfs.diff_ids.length !== item.Layers.length) throw new InputError(`manifest.json lists ${item.Layers.length} layers but config ${item.Config} has ${config.rootfs.diff_ids.length} diff_ids`);
    const layers: Descriptor[] = [];
    for (const [i, path] of item.Layers.entries()) {
      const blob = lookup(c, path);
      const head = await readHead(store, blob.digest);
      const gz = detectCompression(head) === "gzip";
      const diffId = gz ? await diffIdOf(store, blob.digest) : blob.digest;
      if (diffId !== config.rootfs.diff_ids[i]) throw new InputError(`layer ${path} has diffID ${diffId}, but the config expects ${config.rootfs.diff_ids[i]}`);
      layers.push({ mediaType: gz ? MediaTypes.dockerLayerGzip : MediaTypes.dockerLayer, digest: blob.digest, size: blob.size });
    }
    const manifest: Manifest = { schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config: { mediaType: MediaTypes.dockerConfig, digest: cfg.digest, size: cfg.size }, layers };
    const tags = (item.RepoTags ?? []).filter((t) => !isDigest(t));
    images.push({ digest: await addImage(store, encodeJson(manifest), tags), tags });
  }
  return { images };
}
