import PQueue from "p-queue";
import type { Digest } from "../core/digest.js";
import { TsbuildError } from "../core/errors.js";
import { addImage } from "../image/images.js";
import { isZstdLayerType, ZSTD_UNSUPPORTED, type Descriptor, type Manifest, type Platform } from "../image/oci.js";
import { hostPlatform } from "../image/platform.js";
import { withLease } from "../store/lease.js";
import type { Store } from "../store/store.js";
import { RegistryClient, type ClientOptions } from "./client.js";
import { RegistryError } from "./errors.js";
import { settleAll } from "./settle.js";
import { fetchManifest, selectPlatform } from "./manifest.js";
import { DOCKER_HUB, normalizeRegistryHost, parseReference, referenceString, type RegistryReference } from "./reference.js";

/** PullOptions choose the platform (default: the host's) and configure the client. */
export interface PullOptions extends ClientOptions {
  readonly platform?: Platform;
  /** registryMirrors are tried, in order, before Docker Hub for docker.io images (`host[:port]` or a URL). */
  readonly registryMirrors?: readonly string[];
  /** onBlob is told about each blob as it is stored or found already present. */
  readonly onBlob?: (d: Descriptor, state: "exists" | "downloaded") => void;
}

/** PullResult names the pulled image: its manifest digest, and the index digest when REF named an index. */
export interface PullResult {
  readonly digest: Digest;
  readonly indexDigest?: Digest;
  readonly reference: string;
}

/**
 * pull downloads REF's manifest (choosing the platform's entry from an index and skipping
 * attestations), config and layers into the store, each blob streamed into the store's verified
 * commit, several at a time; then records the image and tags REF's name:tag. A blob whose bytes do
 * not match its digest or size is refused and nothing is committed under its name.
 */
export async function pull(store: Store, ref: string, opts: PullOptions = {}): Promise<PullResult> {
  const r = parseReference(ref);
  const { client, manifest, bytes, indexDigest } = await resolveFromSources(r, opts);
  refuseZstd(r, manifest);
  const digest = await withLease(store, async () => {
    const queue = new PQueue({ concurrency: opts.concurrency ?? 3 });
    await settleAll([manifest.config, ...manifest.layers].map((d) => queue.add(() => fetchBlob(store, client, r.repository, d, opts))));
    return addImage(store, bytes, r.tag !== undefined ? [`${r.name}:${r.tag}`] : []);
  });
  return { digest, ...(indexDigest ? { indexDigest } : {}), reference: referenceString(r) };
}

/** refuseZstd fails before any download when a layer is zstd-compressed, which tsbuild cannot unpack. */
function refuseZstd(r: RegistryReference, manifest: Manifest): void {
  const zstd = manifest.layers.find((l) => isZstdLayerType(l.mediaType));
  if (!zstd) return;
  throw new RegistryError(`${referenceString(r)}: layer ${zstd.digest} has media type ${zstd.mediaType}; ${ZSTD_UNSUPPORTED}. Nothing was pulled.`, { registry: r.registry, repository: r.repository, digest: zstd.digest });
}

type Resolved = { client: RegistryClient; manifest: Manifest; bytes: Buffer; indexDigest: Digest | undefined };

/**
 * resolveFromSources resolves REF on each configured mirror of Docker Hub in turn (when REF is a
 * Docker Hub image), then on the registry itself; the first that answers serves the blobs too.
 * When every source fails, the registry's own error is reported.
 */
async function resolveFromSources(r: RegistryReference, opts: PullOptions): Promise<Resolved> {
  const mirrors = r.registry === DOCKER_HUB ? (opts.registryMirrors ?? []).map(normalizeRegistryHost) : [];
  for (const mirror of mirrors) {
    const client = new RegistryClient(mirror, opts);
    try {
      return { client, ...(await resolveManifest(client, r, opts)) };
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      // This mirror lacks the image or is down: the next mirror, then Docker Hub itself, is tried.
    }
  }
  const client = new RegistryClient(r.registry, opts);
  return { client, ...(await resolveManifest(client, r, opts)) };
}

/** resolveManifest fetches REF's manifest, going through an index to the platform's entry. */
async function resolveManifest(client: RegistryClient, r: RegistryReference, opts: PullOptions): Promise<Omit<Resolved, "client">> {
  let fetched = await fetchManifest(client, r.repository, r.digest ?? r.tag ?? "latest");
  let indexDigest: Digest | undefined;
  if (fetched.kind === "index") {
    const want = opts.platform ?? hostPlatform();
    const entry = selectPlatform(fetched.index, want);
    const plat = `${want.os}/${want.architecture}${want.variant ? `/${want.variant}` : ""}`;
    if (!entry) throw new RegistryError(`${referenceString(r)} has no image for platform ${plat} (it offers ${fetched.index.manifests.filter((d) => d.platform).map((d) => `${d.platform?.os}/${d.platform?.architecture}`).join(", ") || "none"})`, { registry: r.registry, repository: r.repository, digest: fetched.digest });
    indexDigest = fetched.digest;
    fetched = await fetchManifest(client, r.repository, entry.digest);
    if (fetched.kind !== "manifest") throw new RegistryError(`index ${indexDigest} entry ${entry.digest} is not an image manifest`, { registry: r.registry, repository: r.repository, digest: entry.digest });
  }
  return { manifest: fetched.manifest, bytes: fetched.bytes, indexDigest };
}

/** fetchBlob stores one blob unless the store already holds it; a network failure mid-stream is retried from the start. */
async function fetchBlob(store: Store, client: RegistryClient, repository: string, d: Descriptor, opts: PullOptions): Promise<void> {
  const have = await store.blobs.stat(d.digest);
  if (have && have.size === d.size) {
    opts.onBlob?.(d, "exists");
    return;
  }
  const retries = opts.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const body = await client.blobStream(repository, d.digest);
    try {
      await store.blobs.write(body, { digest: d.digest, size: d.size });
      opts.onBlob?.(d, "downloaded");
      return;
    } catch (err) {
      body.destroy();
      const code = (err as { code?: unknown }).code;
      if (code === "DigestMismatch" || code === "SizeMismatch") {
        throw new RegistryError(`blob ${d.digest} from ${client.registry}/${repository} is corrupt: ${(err as Error).message.replace(/ \(run `tsbuild fsck`.*$/, "")}; nothing was stored, try the pull again or report the registry`, { registry: client.registry, repository, digest: d.digest, cause: err });
      }
      if (attempt >= retries || err instanceof TsbuildError) throw new RegistryError(`downloading blob ${d.digest} from ${client.registry}/${repository} failed: ${(err as Error).message}`, { registry: client.registry, repository, digest: d.digest, cause: err });
    }
  }
}
