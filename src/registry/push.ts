import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import PQueue from "p-queue";
import type { Digest } from "../core/digest.js";
import { readImage, resolveImage } from "../image/images.js";
import { splitRefKey } from "../image/name.js";
import type { Descriptor } from "../image/oci.js";
import { NotFoundError, StoreError } from "../store/errors.js";
import type { Store } from "../store/store.js";
import { RegistryClient, scopeFor, type ClientOptions } from "./client.js";
import { RegistryError } from "./errors.js";
import type { HttpResponse } from "./http.js";
import { settleAll } from "./settle.js";
import { parseReference, referenceString } from "./reference.js";

/** PushOptions configure the client and report per-blob progress. */
export interface PushOptions extends ClientOptions {
  readonly onBlob?: (d: Descriptor, state: BlobState) => void;
}

/** BlobState is what push did with one blob: the repository had it, it was mounted, or uploaded. */
export type BlobState = "exists" | "mounted" | "uploaded";

/** PushResult names the pushed manifest digest and what happened to each blob. */
export interface PushResult {
  readonly digest: Digest;
  readonly reference: string;
  readonly blobs: readonly { digest: Digest; state: BlobState }[];
}

/**
 * BlobPusher pushes one image to the repository REF names. Blobs can be handed to it as soon as
 * they are in the store ({@link BlobPusher.upload}: a pipelined pack starts each layer's upload
 * when the layer is committed), then {@link BlobPusher.finish} uploads the rest of the image and
 * PUTs its manifest last. Each digest is sent once, at most `concurrency` blobs at a time.
 */
export class BlobPusher {
  private readonly repo: ReturnType<typeof parseReference>;
  private readonly client: RegistryClient;
  private readonly queue: PQueue;
  private readonly started = new Map<Digest, Promise<BlobState>>();
  private readonly blobs: { digest: Digest; state: BlobState }[] = [];

  constructor(
    private readonly store: Store,
    ref: string,
    private readonly opts: PushOptions = {},
  ) {
    this.repo = parseReference(ref);
    this.client = new RegistryClient(this.repo.registry, opts);
    this.queue = new PQueue({ concurrency: opts.concurrency ?? 3 });
  }

  /**
   * upload starts pushing a stored blob (skipped when the repository has it; mounted from one of
   * `sources` when the registry agrees) unless it is already under way, and returns its outcome.
   * A failure is also reported by finish() and settle(), so a caller may ignore the promise.
   */
  upload(d: Descriptor, sources: readonly string[] = []): Promise<BlobState> {
    const known = this.started.get(d.digest);
    if (known) return known;
    const job = this.queue.add(async () => {
      const state = await pushBlob(this.store, this.client, this.repo.repository, d, sources, this.opts);
      this.blobs.push({ digest: d.digest, state });
      this.opts.onBlob?.(d, state);
      return state;
    });
    job.catch(() => undefined); // settled by finish() or settle(), which report the failure
    this.started.set(d.digest, job);
    return job;
  }

  /** settle waits for every upload started so far and rethrows the first failure (nothing is left running). */
  async settle(): Promise<void> {
    await settleAll([...this.started.values()]);
  }

  /** finish pushes the stored image `digest`: every blob not yet started, then (all blobs in) its manifest under REF's tag or digest. */
  async finish(digest: Digest): Promise<PushResult> {
    const { registry, repository } = this.repo;
    const img = await readImage(this.store, digest);
    const sources = mountSources(this.store, registry, repository, img.digest);
    for (const d of [img.manifest.config, ...img.manifest.layers]) void this.upload(d, sources);
    await this.settle();
    const reference = this.repo.digest ?? this.repo.tag ?? "latest";
    const res = await this.client.call({ method: "PUT", repository, scopes: [scopeFor(repository, true)], path: `/v2/${repository}/manifests/${reference}`, headers: { "content-type": img.mediaType }, body: img.manifestBytes, digest: img.digest });
    await this.client.expect(res, [200, 201, 202], "cannot put manifest to", { repository, digest: img.digest });
    res.body.destroy();
    const sent = res.headers.get("docker-content-digest");
    if (sent && sent !== img.digest) throw new RegistryError(`${registry}/${repository} stored manifest ${img.digest} as ${sent}; the registry changed the manifest`, { registry, repository, digest: img.digest });
    return { digest: img.digest, reference: referenceString(this.repo), blobs: [...this.blobs] };
  }
}

/**
 * push uploads the stored image REF names to its registry: each blob is skipped when the
 * repository has it (HEAD), mounted from another repository of the same registry that the store
 * knows holds it, or uploaded (POST, then one PUT, or PATCH chunks above chunkThreshold); then the
 * manifest is PUT with its own media type as Content-Type under REF's tag (or digest).
 */
export async function push(store: Store, ref: string, opts: PushOptions = {}): Promise<PushResult> {
  return new BlobPusher(store, ref, opts).finish(resolveImage(store, ref));
}

/** mountSources lists other repositories of the same registry that the store's names say hold this image. */
function mountSources(store: Store, registry: string, repository: string, digest: Digest): string[] {
  const out = new Set<string>();
  for (const key of store.meta.refsTo(digest)) {
    const { repository: name } = splitRefKey(key);
    if (name.startsWith(`${registry}/`) && name !== `${registry}/${repository}`) out.add(name.slice(registry.length + 1));
  }
  return [...out];
}

async function pushBlob(store: Store, client: RegistryClient, repository: string, d: Descriptor, sources: readonly string[], opts: PushOptions): Promise<BlobState> {
  if (await client.hasBlob(repository, d.digest, true)) return "exists";
  await checkStored(store, d);
  let session: HttpResponse | undefined;
  for (const from of sources) {
    const path = `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(from)}`;
    const res = await client.call({ method: "POST", repository, scopes: [scopeFor(repository, true), scopeFor(from, false)], path, digest: d.digest, headers: { "content-length": "0" } });
    if (res.status === 201) {
      res.body.destroy();
      return "mounted";
    }
    await client.expect(res, [202], "cannot start upload to", { repository, digest: d.digest });
    session = res;
    break;
  }
  if (!session) {
    session = await client.call({ method: "POST", repository, scopes: [scopeFor(repository, true)], path: `/v2/${repository}/blobs/uploads/`, digest: d.digest, headers: { "content-length": "0" } });
    await client.expect(session, [202], "cannot start upload to", { repository, digest: d.digest });
  }
  session.body.destroy();
  let location = uploadLocation(client, session, repository, d.digest);
  const threshold = opts.chunkThreshold ?? 64 * 1024 * 1024;
  if (d.size > threshold) location = await patchChunks(store, client, repository, d, location, opts.chunkSize ?? 16 * 1024 * 1024);
  const put = new URL(location);
  put.searchParams.set("digest", d.digest);
  const whole = d.size > threshold ? undefined : () => openBlob(store, d);
  const res = await client.call({ method: "PUT", repository, scopes: [scopeFor(repository, true)], path: put, digest: d.digest, headers: { "content-type": "application/octet-stream", "content-length": String(whole ? d.size : 0) }, ...(whole ? { body: whole } : {}) });
  await client.expect(res, [201, 204], "cannot upload blob to", { repository, digest: d.digest });
  res.body.destroy();
  return "uploaded";
}

/** UPLOAD_READ_BYTES is the size of each read of a blob being uploaded: fewer, larger reads and socket writes than the 64 KiB default. */
const UPLOAD_READ_BYTES = 1024 * 1024;

/**
 * openBlob streams bytes [start, end) of a stored blob for upload in 1 MiB reads. They are not
 * hashed here: the registry checks the digest of what it receives before it keeps a blob, so a
 * blob damaged on disk is refused (DIGEST_INVALID, whose advice names `tsbuild fsck`), and a
 * chunk is read on its own rather than by reading the blob from its start.
 */
function openBlob(store: Store, d: Descriptor, start = 0, end = d.size): Readable {
  if (end <= start) return Readable.from([]);
  return createReadStream(store.blobs.path(d.digest), { start, end: end - 1, highWaterMark: UPLOAD_READ_BYTES });
}

/** checkStored fails, before the upload starts, when the store lacks the blob or holds it at another size than the manifest says. */
async function checkStored(store: Store, d: Descriptor): Promise<void> {
  const info = await store.blobs.stat(d.digest);
  if (!info) throw new NotFoundError(`blob ${d.digest} is not in the store at ${store.root}; pull or build the image again`);
  if (info.size !== d.size) throw new StoreError(`stored blob ${d.digest} is ${info.size} bytes, but the image's manifest says ${d.size}; run \`tsbuild fsck\``);
}

async function patchChunks(store: Store, client: RegistryClient, repository: string, d: Descriptor, location: string, chunkSize: number): Promise<string> {
  let loc = location;
  for (let start = 0; start < d.size; start += chunkSize) {
    const end = Math.min(d.size, start + chunkSize);
    const res = await client.call({ method: "PATCH", repository, scopes: [scopeFor(repository, true)], path: new URL(loc), digest: d.digest, headers: { "content-type": "application/octet-stream", "content-length": String(end - start), "content-range": `${start}-${end - 1}` }, body: () => openBlob(store, d, start, end) });
    await client.expect(res, [202], "cannot upload chunk to", { repository, digest: d.digest });
    res.body.destroy();
    loc = uploadLocation(client, res, repository, d.digest);
  }
  return loc;
}

function uploadLocation(client: RegistryClient, res: HttpResponse, repository: string, digest: string): string {
  const loc = res.headers.get("location");
  if (!loc) throw new RegistryError(`${client.registry}/${repository} started an upload without a Location header`, { registry: client.registry, repository, digest, status: res.status });
  const url = new URL(loc, res.url);
  if (url.origin !== res.url.origin && url.protocol !== "https:") throw new RegistryError(`${client.registry}/${repository} sent an upload Location on plain http at another host (${url.origin})`, { registry: client.registry, repository, digest });
  return url.href;
}
