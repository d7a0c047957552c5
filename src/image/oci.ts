import * as z from "zod/mini";
import "./zod.js";
import { canonicalJson, isDigest, sha256, type Digest } from "../core/digest.js";
import { TsbuildError } from "../core/errors.js";

/** MediaTypes names every OCI and Docker v2 schema 2 media type tsbuild reads or writes. */
export const MediaTypes = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociEmpty: "application/vnd.oci.empty.v1+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

/** ImageFormat chooses the media-type family an image is written in. */
export type ImageFormat = "oci" | "docker";

/** isIndexType reports whether a media type is an image index or a Docker manifest list. */
export function isIndexType(mt: string | undefined): boolean {
  return mt === MediaTypes.ociIndex || mt === MediaTypes.dockerManifestList;
}

/** isZstdLayerType reports whether a layer media type says zstd compression (OCI `+zstd`, or the unofficial Docker `.zstd`). */
export function isZstdLayerType(mediaType: string): boolean {
  return mediaType.endsWith("+zstd") || mediaType.endsWith(".tar.zstd");
}

/** ZSTD_UNSUPPORTED says why tsbuild cannot read zstd layers and what to do instead. */
export const ZSTD_UNSUPPORTED = "tsbuild cannot decompress zstd: Node.js 20's zlib has no zstd decoder and no zstd library is bundled; use a gzip variant of the image (e.g. one built with compression=gzip, or converted with `skopeo copy --dest-compress-format gzip`)";

/** isManifestType reports whether a media type is a single-platform image manifest. */
export function isManifestType(mt: string | undefined): boolean {
  return mt === MediaTypes.ociManifest || mt === MediaTypes.dockerManifest;
}

/** layerCompression tells how a layer media type is compressed, or undefined for a non-layer type. */
export function layerCompression(mt: string): "gzip" | "zstd" | "none" | undefined {
  if (mt === MediaTypes.ociLayerGzip || mt === MediaTypes.dockerLayerGzip) return "gzip";
  if (mt === MediaTypes.ociLayer || mt === MediaTypes.dockerLayer) return "none";
  if (mt === MediaTypes.ociLayerZstd) return "zstd";
  return undefined;
}

/** mediaTypesFor returns the manifest, config and gzip-layer media types of a format. */
export function mediaTypesFor(format: ImageFormat): { manifest: string; config: string; layerGzip: string; index: string } {
  return format === "docker"
    ? { manifest: MediaTypes.dockerManifest, config: MediaTypes.dockerConfig, layerGzip: MediaTypes.dockerLayerGzip, index: MediaTypes.dockerManifestList }
    : { manifest: MediaTypes.ociManifest, config: MediaTypes.ociConfig, layerGzip: MediaTypes.ociLayerGzip, index: MediaTypes.ociIndex };
}

const digestSchema = z.pipe(
  z.string().check(z.refine(isDigest, { message: "expected sha256:<64 lowercase hex digits>" })),
  z.transform((s: string) => s as Digest),
);
const stringMap = z.record(z.string(), z.string());

/** platformSchema validates an image index entry's platform (GOOS/GOARCH names). */
export const platformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  "os.version": z.optional(z.string()),
  "os.features": z.optional(z.array(z.string())),
  variant: z.optional(z.string()),
});

/** descriptorSchema validates a content descriptor; digests must be well-formed sha256 before any path or URL is built from them. */
export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestSchema,
  size: z.int().check(z.nonnegative()),
  urls: z.optional(z.array(z.string())),
  annotations: z.optional(stringMap),
  platform: z.optional(platformSchema),
  artifactType: z.optional(z.string()),
});

/** manifestSchema validates an OCI or Docker v2 schema 2 image manifest. */
export const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  artifactType: z.optional(z.string()),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: z.optional(descriptorSchema),
  annotations: z.optional(stringMap),
});

/** indexSchema validates an OCI image index or Docker manifest list. */
export const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  artifactType: z.optional(z.string()),
  manifests: z.array(descriptorSchema),
  subject: z.optional(descriptorSchema),
  annotations: z.optional(stringMap),
});

const emptyObjectMap = z.record(z.string(), z.looseObject({}));

/** containerConfigSchema validates the `config` object of an image config, keeping unknown (Docker extension) fields. */
export const containerConfigSchema = z.looseObject({
  User: z.optional(z.string()),
  ExposedPorts: z.optional(emptyObjectMap),
  Env: z.optional(z.array(z.string())),
  Entrypoint: z.optional(z.nullable(z.array(z.string()))),
  Cmd: z.optional(z.nullable(z.array(z.string()))),
  Volumes: z.optional(emptyObjectMap),
  WorkingDir: z.optional(z.string()),
  Labels: z.optional(z.nullable(stringMap)),
  StopSignal: z.optional(z.string()),
  ArgsEscaped: z.optional(z.boolean()),
  Shell: z.optional(z.array(z.string())),
  OnBuild: z.optional(z.nullable(z.array(z.string()))),
  Healthcheck: z.optional(z.looseObject({})),
});

/** historySchema validates one `history` entry of an image config. */
export const historySchema = z.object({
  created: z.optional(z.string()),
  created_by: z.optional(z.string()),
  author: z.optional(z.string()),
  comment: z.optional(z.string()),
  empty_layer: z.optional(z.boolean()),
});

/** imageConfigSchema validates an image config, keeping unknown fields so re-encoding never drops data. */
export const imageConfigSchema = z.looseObject({
  created: z.optional(z.string()),
  author: z.optional(z.string()),
  architecture: z.string(),
  os: z.string(),
  "os.version": z.optional(z.string()),
  variant: z.optional(z.string()),
  config: z.optional(containerConfigSchema),
  rootfs: z.object({ type: z.literal("layers"), diff_ids: z.array(digestSchema) }),
  history: z.optional(z.array(historySchema)),
});

export type Platform = z.infer<typeof platformSchema>;
export type Descriptor = z.infer<typeof descriptorSchema>;
export type Manifest = z.infer<typeof manifestSchema>;
export type Index = z.infer<typeof indexSchema>;
export type ContainerConfig = z.infer<typeof containerConfigSchema>;
export type History = z.infer<typeof historySchema>;
export type ImageConfig = z.infer<typeof imageConfigSchema>;

/** ImageFormatError says a manifest, index or config from outside is not valid JSON of its kind. */
export class ImageFormatError extends TsbuildError {
  constructor(message: string) {
    super("ImageFormat", message);
  }
}

/**
 * parseJsonBytes decodes bytes from outside (a blob, a registry response) and validates them
 * with schema. `what` names the object for the error, e.g. "manifest sha256:...".
 */
export function parseJsonBytes<T>(bytes: Uint8Array, schema: z.ZodMiniType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw new ImageFormatError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  const res = schema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new ImageFormatError(`${what} is not a valid image object${where}: ${issue?.message ?? "invalid"}`);
  }
  return res.data;
}

/** parseManifestOrIndex validates bytes as a manifest or an index, deciding by mediaType (or by shape when absent). */
export function parseManifestOrIndex(bytes: Uint8Array, what: string): { kind: "manifest"; manifest: Manifest } | { kind: "index"; index: Index } {
  const probe = parseJsonBytes(bytes, z.looseObject({ mediaType: z.optional(z.string()), manifests: z.optional(z.unknown()) }), what);
  const isIndex = isIndexType(probe.mediaType) || (probe.mediaType === undefined && probe.manifests !== undefined);
  if (isIndex) return { kind: "index", index: parseJsonBytes(bytes, indexSchema, what) };
  return { kind: "manifest", manifest: parseJsonBytes(bytes, manifestSchema, what) };
}

/**
 * encodeJson produces the canonical bytes tsbuild writes for manifests, indexes and configs:
 * object keys sorted bytewise, no whitespace, and `<`, `>`, `&` escaped as Go's encoding/json
 * does, so equal values always give equal bytes and digests. Digests are always taken over these
 * exact bytes; JSON read from outside is never re-encoded.
 */
export function encodeJson(value: unknown): Buffer {
  const text = canonicalJson(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  return Buffer.from(text, "utf8");
}

/** descriptorOf describes bytes of a given media type. */
export function descriptorOf(mediaType: string, bytes: Uint8Array, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType, digest: sha256(bytes), size: bytes.byteLength, ...extra };
}
