/**
 * The executor's seams: what the scheduler needs from the op implementations, the build cache and
 * the build-context hasher. Each is an interface so tests plug in fakes (STYLE #24) and the real
 * ops, store and context hashing plug in without the scheduler knowing how they work.
 */
import type { Digest } from "../core/digest.js";
import type { Diagnostic } from "../core/diagnostic.js";
import type { Vertex } from "../planner/plan.js";

/**
 * ContextSelection says which part of the build context one vertex reads (STYLE #13: the planner
 * names paths, the executor hashes them). `sources` are paths relative to the context root as
 * written in the Dockerfile after expansion (`.` or `/` is the whole context); `excludes` are the
 * step's own `--exclude` patterns, applied on top of `.dockerignore`.
 */
export interface ContextSelection {
  readonly sources: readonly string[];
  readonly excludes: readonly string[];
  /** Whether `sources` are glob patterns (COPY, ADD) or literal paths (RUN --mount=type=bind). Default true. */
  readonly wildcard?: boolean;
  /** Whether a source that is itself a symlink is followed to its target (COPY does, as BuildKit). Default true. */
  readonly followLinks?: boolean;
  /** COPY --parents: `/./` marks the pivot, the rest is an include pattern (`**` allowed). Default false. */
  readonly parents?: boolean;
}

/**
 * ContextHasher digests build-context content for cache keys. `digestOf` resolves to a digest
 * that covers, for every file the selection matches after `.dockerignore` and `excludes`: its path
 * relative to the matched source, its type, mode, uid/gid, size, content and symlink target, and
 * nothing else (not mtimes, inodes or the context's location on disk). Equal selections of equal
 * content give equal digests; a change to any covered attribute changes the digest. It rejects
 * when a non-wildcard source is missing, with an error naming the source (BuildKit: `"/x": not
 * found`); a wildcard that matches nothing selects nothing (BuildKit's AllowEmptyWildcard). The scheduler calls it for every such vertex of a plan at
 * once, before any op runs, and aborts `signal` when the build stops. Implemented by
 * src/executor/context.ts.
 */
export interface ContextHasher {
  digestOf(selection: ContextSelection, signal?: AbortSignal): Promise<Digest>;
}

/**
 * CacheStore maps cache keys to results. `get` returns undefined on a miss; `put` records a
 * result after its op ran (also under `--no-cache`, which only skips reads). Both may be sync or
 * async; a rejection fails the vertex.
 */
export interface CacheStore<R> {
  get(key: Digest): R | undefined | Promise<R | undefined>;
  put(key: Digest, result: R): void | Promise<void>;
}

/** ResolvedInput is one input of a vertex, in the order of `vertex.inputs`, with its result. */
export interface ResolvedInput<R> {
  readonly vertex: Digest;
  readonly key: Digest;
  readonly result: R;
}

/** ByteProgress is one update of a long transfer an op reports (bytes so far, total when known). */
export interface ByteProgress {
  readonly id: string;
  readonly label: string;
  readonly current: number;
  readonly total?: number;
  /** True on the last update of this id. */
  readonly done?: boolean;
}

/**
 * OpContext is what an op may use while it runs. `signal` fires when the build is aborted or
 * fails elsewhere; the op must stop promptly and settle (reject or resolve) only once nothing it
 * started is still running. `key` is the vertex's cache key.
 */
export interface OpContext {
  readonly signal: AbortSignal;
  readonly key: Digest;
  log(stream: "stdout" | "stderr", chunk: Uint8Array | string): void;
  progress(update: ByteProgress): void;
  warn(diagnostic: Diagnostic): void;
}

/**
 * OpRunner carries out vertices. `run` gets the vertex and its inputs' results and resolves to
 * the vertex's result (an opaque handle such as a snapshot or layer reference). A process that
 * exits non-zero is reported by rejecting with core's ProcessExitError (or any error with a
 * numeric `exitCode`). `sourceDigests`, when present, digests content a vertex reads from outside
 * the DAG and the build context (an ADD URL's body) before the cache lookup; those digests enter
 * the cache key. The scheduler never runs two ops with the same cache key at the same time.
 */
export interface OpRunner<R> {
  run(vertex: Vertex, inputs: readonly ResolvedInput<R>[], ctx: OpContext): Promise<R>;
  sourceDigests?(vertex: Vertex, signal: AbortSignal): Promise<readonly Digest[]>;
}
