import { sha256, type Digest } from "../core/digest.js";
import { isIndexType, isManifestType, MediaTypes, parseManifestOrIndex, type Descriptor, type Index, type Manifest, type Platform } from "../image/oci.js";
import { hostPlatform } from "../image/platform.js";
import type { RegistryClient } from "./client.js";
import { scopeFor } from "./client.js";
import { RegistryError } from "./errors.js";
import { CapError, readCapped } from "./http.js";

/** MAX_REGISTRY_MANIFEST_BYTES caps manifests and indexes fetched from a registry (4 MiB, as registries do). */
export const MAX_REGISTRY_MANIFEST_BYTES = 4 * 1024 * 1024;

/** MANIFEST_ACCEPT lists every manifest and index media type tsbuild reads, OCI and Docker v2 schema 2. */
export const MANIFEST_ACCEPT = [MediaTypes.ociIndex, MediaTypes.ociManifest, MediaTypes.dockerManifestList, MediaTypes.dockerManifest].join(", ");

/** FetchedManifest is a manifest or index as the registry sent it, verified against its digest. */
export type FetchedManifest = { digest: Digest; bytes: Buffer; mediaType: string } & ({ kind: "manifest"; manifest: Manifest } | { kind: "index"; index: Index });

/**
 * fetchManifest GETs a manifest by tag or digest with the full Accept list, caps its size,
 * checks that the bytes hash to the requested digest (and to Docker-Content-Digest when sent),
 * and that Content-Type agrees with the body's mediaType.
 */
export async function fetchManifest(client: RegistryClient, repository: string, reference: string): Promise<FetchedManifest> {
  const byDigest = reference.startsWith("sha256:");
  const ctx = { registry: client.registry, repository, ...(byDigest ? { digest: reference } : {}) };
  const res = await client.call({ method: "GET", repository, scopes: [scopeFor(repository, false)], path: `/v2/${repository}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT }, ...(byDigest ? { digest: reference } : {}) });
  await client.expect(res, [200], "cannot get manifest from", { repository, ...(byDigest ? { digest: reference } : {}) });
  let bytes: Buffer;
  try {
    bytes = await readCapped(res, MAX_REGISTRY_MANIFEST_BYTES, `manifest ${client.registry}/${repository}:${reference}`);
  } catch (err) {
    if (err instanceof CapError) throw new RegistryError(`${err.message}; tsbuild refuses larger manifests`, ctx);
    throw new RegistryError(`cannot read manifest ${client.registry}/${repository}:${reference}: ${(err as Error).message}`, { ...ctx, cause: err });
  }
  const digest = sha256(bytes);
  if (byDigest && digest !== reference) throw new RegistryError(`manifest ${client.registry}/${repository}@${reference} hashes to ${digest}; the registry sent other content than requested (nothing was stored)`, ctx);
  const sent = res.headers.get("docker-content-digest");
  if (sent && sent.startsWith("sha256:") && sent !== digest) throw new RegistryError(`manifest ${client.registry}/${repository}:${reference} hashes to ${digest} but the registry's Docker-Content-Digest says ${sent} (nothing was stored)`, { ...ctx, digest: sent });
  let parsed: ReturnType<typeof parseManifestOrIndex>;
  try {
    parsed = parseManifestOrIndex(bytes, `manifest ${client.registry}/${repository}@${digest}`);
  } catch (err) {
    throw new RegistryError((err as Error).message, { ...ctx, digest, cause: err });
  }
  const body = parsed.kind === "manifest" ? parsed.manifest.mediaType : parsed.index.mediaType;
  const contentType = (res.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  const mediaType = body ?? (isIndexType(contentType) || isManifestType(contentType) ? contentType : parsed.kind === "index" ? MediaTypes.ociIndex : MediaTypes.ociManifest);
  if (body && (isIndexType(contentType) || isManifestType(contentType)) && contentType !== body) {
    throw new RegistryError(`manifest ${client.registry}/${repository}@${digest} was sent as ${contentType} but its mediaType is ${body}; refusing the contradictory manifest`, { ...ctx, digest });
  }
  return parsed.kind === "manifest" ? { kind: "manifest", manifest: parsed.manifest, digest, bytes, mediaType } : { kind: "index", index: parsed.index, digest, bytes, mediaType };
}

/** isAttestation reports whether an index entry is a BuildKit attestation manifest (not runnable). */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" || (d.platform?.os === "unknown" && d.platform.architecture === "unknown");
}

/** selectPlatform picks the first runnable entry of an index for a platform (arm64 without a variant counts as v8). */
export function selectPlatform(index: Index, want: Platform = hostPlatform()): Descriptor | undefined {
  const variant = (p: Platform | undefined) => p?.variant ?? (p?.architecture === "arm64" ? "v8" : undefined);
  return index.manifests.find((d) => !isAttestation(d) && isManifestType(d.mediaType) && d.platform?.os === want.os && d.platform.architecture === want.architecture && (want.variant === undefined || variant(d.platform) === variant(want)));
}
