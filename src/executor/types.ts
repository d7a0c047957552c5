/**
 * The executor's seams: what the scheduler needs from the op implementations, the build cache and
 * the build-context hasher. Each is an interface so tests plug in fakes (STYLE #24) and the real
 * ops, store and context hashing plug in without the scheduler knowing how they work.
 */
import type { Digest } from "../core/digest.js";
import type { Diagnostic } from "../core/diagnostic.js";
import type { Vertex } from "../planner/plan.js";

/**
 * ContextHasher and ContextSelector come from the build-context engine (context-hash.ts): the
 * scheduler asks `digestOf(contextSelectors(vertex))` once per vertex that reads the context,
 * for every such vertex of a plan at once, before any op runs. The digest covers the selected
 * files' paths, types, modes, owners, contents and link targets, never mtimes; a missing source
 * rejects with a ContextError naming it, which fails that vertex.
 */
export type { ContextHasher, ContextSelector } from "./context-hash.js";

/**
 * CacheStore maps cache keys to results. `get` returns undefined on a miss, also when a record
 * survives but its content is gone (pruned), so the vertex runs again; `put` records a
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
 * started is still running. `key` is the vertex's cache key. `consumed` is true when a vertex of
 * the build that started the op takes its result as an input (a later step mounts it), so the op
 * should leave what mounting needs ready rather than make it on demand.
 */
export interface OpContext {
  readonly signal: AbortSignal;
  readonly key: Digest;
  readonly consumed?: boolean;
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
