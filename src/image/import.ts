import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createGzip } from "node:zlib";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Digest } from "../core/digest.js";
import { InputError } from "../core/errors.js";
import { withLease } from "../store/lease.js";
import type { Store } from "../store/store.js";
import { decompressLayer } from "./decompress.js";
import { addImage } from "./images.js";
import { descriptorOf, encodeJson, mediaTypesFor, type ImageConfig, type ImageFormat, type Manifest } from "./oci.js";
import { hostPlatform } from "./platform.js";
import { readTar } from "./tar-reader.js";
import { DEFAULT_UNPACK_LIMITS } from "./unpack.js";
import { createHash } from "node:crypto";

/** ImportOptions tune `tsbuild import`. */
export interface ImportOptions {
  /** format picks OCI (default) or Docker v2 schema 2 media types for the manifest, config and layer. */
  readonly format?: ImageFormat;
  /** sourceDateEpoch sets `created` (seconds); otherwise the current time is used. */
  readonly sourceDateEpoch?: number;
  /** gzipLevel is the layer's compression level (default 6, zlib's default). */
  readonly gzipLevel?: number;
}

/** ImportResult names the new image. */
export interface ImportResult {
  readonly digest: Digest;
  readonly configDigest: Digest;
  readonly diffId: Digest;
}

/** checkTar reads a whole rootfs tar (plain or gzip) to make sure it is one, and returns its diffID. */
async function checkTar(file: string): Promise<Digest> {
  const hash = createHash("sha256");
  try {
    for await (const e of readTar(decompressLayer(createReadStream(file), DEFAULT_UNPACK_LIMITS.maxUncompressedBytes, hash))) {
      for await (const _ of e.body) void _;
    }
  } catch (err) {
    throw new InputError(`${file} is not a usable tar archive: ${(err as Error).message}`, { cause: err });
  }
  return `sha256:${hash.digest("hex")}` as Digest;
}

/**
 * importRootfs turns a rootfs tar (plain or gzip) into a one-layer image, as `docker import`
 * does: the tar's bytes become the layer unchanged (so its diffID is the digest of the file's
 * uncompressed bytes), gzip-compressed into the store, with a config for the host platform.
 */
export async function importRootfs(store: Store, file: string, tags: readonly string[], opts: ImportOptions = {}): Promise<ImportResult> {
  await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read ${file}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
  });
  const diffId = await checkTar(file);
  const types = mediaTypesFor(opts.format ?? "oci");
  return withLease(store, async () => {
    const hash = createHash("sha256");
    const gz = createGzip({ level: opts.gzipLevel ?? 6 });
    const raw = Readable.from(decompressLayer(createReadStream(file), DEFAULT_UNPACK_LIMITS.maxUncompressedBytes, hash));
    const piping = pipeline(raw, gz);
    piping.catch(() => undefined); // a failure destroys gz, so blobs.write below rejects with it
    const layer = await store.blobs.write(gz);
    if (`sha256:${hash.digest("hex")}` !== diffId) throw new InputError(`${file} changed while it was being imported`);
    const created = new Date((opts.sourceDateEpoch ?? Math.floor(Date.now() / 1000)) * 1000).toISOString().replace(".000Z", "Z");
    const config: ImageConfig = {
      ...hostPlatform(),
      created,
      config: {},
      rootfs: { type: "layers", diff_ids: [diffId] },
      history: [{ created, created_by: "tsbuild import", comment: "imported from a rootfs tar" }],
    };
    const configBytes = encodeJson(config);
    const configDesc = descriptorOf(types.config, configBytes);
    await store.blobs.write(configBytes, { digest: configDesc.digest, size: configDesc.size });
    const manifest: Manifest = { schemaVersion: 2, mediaType: types.manifest, config: configDesc, layers: [{ mediaType: types.layerGzip, digest: layer.digest, size: layer.size }] };
    const digest = await addImage(store, encodeJson(manifest), tags);
    return { digest, configDigest: configDesc.digest, diffId };
  });
}
