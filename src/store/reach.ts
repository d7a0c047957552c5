import { isDigest, type Digest } from "../core/digest.js";
import type { BlobStore } from "./blobs.js";

/** MAX_MANIFEST_BYTES caps manifests and indexes read from the store (the registry limit is the same 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** childDescriptors lists the descriptors a manifest or index points at (config, layers, manifests, subject). */
export function childDescriptors(bytes: Uint8Array): { digest: Digest; mediaType: string }[] {
  const doc = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;
  const out: { digest: Digest; mediaType: string }[] = [];
  const add = (d: unknown) => {
    const o = d as { digest?: unknown; mediaType?: unknown } | null;
    if (o && typeof o.digest === "string" && isDigest(o.digest)) out.push({ digest: o.digest, mediaType: String(o.mediaType ?? "") });
  };
  add(doc.config);
  add(doc.subject);
  for (const key of ["layers", "manifests"]) if (Array.isArray(doc[key])) (doc[key] as unknown[]).forEach(add);
  return out;
}

/**
 * reachable returns every digest reachable from roots by following manifest and index
 * descriptors. Missing blobs are reported in `missing` rather than thrown, so fsck can list them
 * and prune never deletes what it could not read.
 */
export async function reachable(blobs: BlobStore, roots: Iterable<Digest>, isJson: (d: Digest) => boolean = () => true): Promise<{ digests: Set<Digest>; missing: Set<Digest> }> {
  const digests = new Set<Digest>();
  const missing = new Set<Digest>();
  const queue: { digest: Digest; json: boolean }[] = [...roots].map((d) => ({ digest: d, json: isJson(d) }));
  while (queue.length > 0) {
    const { digest, json } = queue.pop() as { digest: Digest; json: boolean };
    if (digests.has(digest)) continue;
    digests.add(digest);
    if (!(await blobs.has(digest))) {
      missing.add(digest);
      continue;
    }
    if (!json) continue;
    const bytes = await blobs.readAll(digest, MAX_MANIFEST_BYTES);
    for (const c of childDescriptors(bytes)) queue.push({ digest: c.digest, json: /manifest|index|list/.test(c.mediaType) });
  }
  return { digests, missing };
}

/** processAlive reports whether a pid names a running process (EPERM means it runs as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
