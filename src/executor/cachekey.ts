/**
 * Cache keys (STYLE #12): a key covers what changes a vertex's output and nothing else. It is
 * sha256 over the canonical op, the inputs' cache keys (not their vertex digests, so equal input
 * content gives an equal key) and the digests of the outside content the vertex reads (build
 * context selections, URL bodies). Names, labels, stages, Dockerfile locations and timing never
 * enter a key; a secret mount contributes its id, target and options, never the secret's content.
 */
import { canonicalJson, sha256, type Digest } from "../core/digest.js";
import { stripCredentials } from "../core/git-ref.js";
import type { Op, Vertex } from "../planner/plan.js";
import { selectorsOf, type ContextSelector } from "./context-hash.js";

/** CACHE_KEY_VERSION changes whenever the key's shape changes, so old records can never match. */
const CACHE_KEY_VERSION = 1;

/**
 * contextSelectors lists what a vertex reads from the build context (context-hash.ts's
 * selectorsOf): the path sources of a COPY or ADD from the context, or each RUN bind mount
 * without `from`. Empty for every other vertex.
 */
export function contextSelectors(vertex: Pick<Vertex, "op">): ContextSelector[] {
  const op = vertex.op;
  return op.kind === "copy" || op.kind === "exec" ? selectorsOf(op) : [];
}

/**
 * keyedOp is the part of an op that identifies its output. An image is its manifest digest: the
 * reference it was named by (`alpine:3` or `alpine@sha256:...`) is a label.
 */
function keyedOp(op: Op): unknown {
  if (op.kind === "image") return { kind: op.kind, digest: op.digest };
  if (op.kind === "copy" && op.sources.some((s) => s.kind === "url" || s.kind === "git")) {
    // Credentials in a source URL never enter a key; what the URL serves is keyed by its content digest.
    return { ...op, sources: op.sources.map((s) => (s.kind === "url" ? { ...s, url: stripCredentials(s.url) } : s.kind === "git" ? { ...s, remote: stripCredentials(s.remote) } : s)) };
  }
  return op;
}

/**
 * cacheKey computes a vertex's cache key from its op, its inputs' cache keys (in the order of
 * `vertex.inputs`) and content digests: the ContextHasher's digest of `contextSelectors(vertex)`
 * when there are any, then `OpRunner.sourceDigests`. Throws a TypeError when the number of input keys does not match.
 */
export function cacheKey(vertex: Pick<Vertex, "op" | "inputs" | "digest">, inputKeys: readonly Digest[], contentDigests: readonly Digest[]): Digest {
  if (inputKeys.length !== vertex.inputs.length) {
    throw new TypeError(`cacheKey: vertex ${vertex.digest} has ${vertex.inputs.length} inputs but ${inputKeys.length} input keys were given`);
  }
  // Deviation: inputs enter by cache key only, also for COPY --from (BuildKit hashes the selected
  // files of a built source); see grammar/DEVIATIONS.md "Cache keys".
  return sha256(canonicalJson({ v: CACHE_KEY_VERSION, op: keyedOp(vertex.op), inputs: inputKeys, content: contentDigests }));
}

/** CachePolicy is `--no-cache` (no vertex reads the cache) and `--no-cache-filter STAGE...` (vertices of those stages do not). */
export interface CachePolicy {
  readonly noCache?: boolean;
  readonly noCacheFilter?: readonly string[];
}

/**
 * readsCache says whether a vertex may be taken from the cache under a policy. Results are still
 * written to the cache either way. A vertex outside the filter that depends on a re-run vertex
 * keeps its key (keys follow input keys, not results), so it may still be read from the cache.
 */
export function readsCache(vertex: Pick<Vertex, "stage">, policy: CachePolicy): boolean {
  if (policy.noCache) return false;
  return !(policy.noCacheFilter ?? []).includes(vertex.stage);
}
