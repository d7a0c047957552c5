import { PassThrough, type Readable } from "node:stream";
import PQueue from "p-queue";
import type { Digest } from "../core/digest.js";
import { readImage, resolveImage } from "../image/images.js";
import { splitRefKey } from "../image/name.js";
import type { Descriptor } from "../image/oci.js";
import type { Store } from "../store/store.js";
import { RegistryClient, scopeFor, type ClientOptions } from "./client.js";
import { RegistryError } from "./errors.js";
import type { HttpResponse } from "./http.js";
import { settleAll } from "./settle.js";
import { parseReference, referenceString } from "./reference.js";

/** PushOptions configure the client and report per-blob progress. */
export interface PushOptions extends ClientOptions {
  readonly onBlob?: (d: Descriptor, state: "exists" | "mounted" | "uploaded") => void;
}

/** PushResult names the pushed manifest digest and what happened to each blob. */
export interface PushResult {
  readonly digest: Digest;
  readonly reference: string;
  readonly blobs: readonly { digest: Digest; state: "exists" | "mounted" | "uploaded" }[];
}

/**
 * push uploads the stored image REF names to its registry: each blob is skipped when the
 * repository has it (HEAD), mounted from another repository of the same registry that the store
 * knows holds it, or uploaded (POST, then one PUT, or PATCH chunks above chunkThreshold); then the
 * manifest is PUT with its own media type as Content-Type under REF's tag (or digest).
 */
export async function push(store: Store, ref: string, opts: PushOptions = {}): Promise<PushResult> {
  const r = parseReference(ref);
  const img = await readImage(store, resolveImage(store, ref));
  const client = new RegistryClient(r.registry, opts);
  const sources = mountSources(store, r.registry, r.repository, img.digest);
  const queue = new PQueue({ concurrency: opts.concurrency ?? 3 });
  const blobs: { digest: Digest; state: "exists" | "mounted" | "uploaded" }[] = [];
  await settleAll([img.manifest.config, ...img.manifest.layers].map((d) => queue.add(async () => {
    const state = await pushBlob(store, client, r.repository, d, sources, opts);
    blobs.push({ digest: d.digest, state });
    opts.onBlob?.(d, state);
  })));
  const reference = r.digest ?? r.tag ?? "latest";
  const res = await client.call({ method: "PUT", repository: r.repository, scopes: [scopeFor(r.repository, true)], path: `/v2/${r.repository}/manifests/${reference}`, headers: { "content-type": img.mediaType }, body: img.manifestBytes, digest: img.digest });
  await client.expect(res, [200, 201, 202], "cannot put manifest to", { repository: r.repository, digest: img.digest });
  res.body.destroy();
  const sent = res.headers.get("docker-content-digest");
  if (sent && sent !== img.digest) throw new RegistryError(`${r.registry}/${r.repository} stored manifest ${img.digest} as ${sent}; the registry changed the manifest`, { registry: r.registry, repository: r.repository, digest: img.digest });
  return { digest: img.digest, reference: referenceString(r), blobs };
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

async function pushBlob(store: Store, client: RegistryClient, repository: string, d: Descriptor, sources: readonly string[], opts: PushOptions): Promise<"exists" | "mounted" | "uploaded"> {
  if (await client.hasBlob(repository, d.digest, true)) return "exists";
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

/** openBlob streams a stored blob (verified as it is read) for upload. */
function openBlob(store: Store, d: Descriptor, start?: number, end?: number): Readable {
  const out = new PassThrough();
  store.blobs.open(d.digest, d.size).then(async (src) => {
    let pos = 0;
    for await (const chunk of src as AsyncIterable<Buffer>) {
      const from = Math.max(0, (start ?? 0) - pos);
      const to = Math.min(chunk.length, (end ?? Infinity) - pos);
      pos += chunk.length;
      if (to > from && !out.write(chunk.subarray(from, to))) await new Promise((r) => out.once("drain", r));
    }
    out.end();
  }).catch((err: unknown) => out.destroy(err as Error));
  return out;
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
