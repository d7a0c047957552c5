/**
 * The scheduler: a topological walk of a plan's vertices on one p-queue. Independent vertices run
 * at the same time up to `jobs`; a vertex runs only after all its inputs are done; identical work
 * (equal cache keys) runs once even when two builds on one Scheduler ask for it; cache hits never
 * reach the op runner. Keys are computed for every vertex at once (they need only input keys and
 * context digests), so a cache hit does not wait for its inputs' results. One Scheduler is meant to live as long as a builder (createBuilder), so its
 * job limit and in-flight table span every build it executes.
 */
import { availableParallelism } from "node:os";
import PQueue from "p-queue";
import type { BuildEventListener } from "../core/events.js";
import type { Digest } from "../core/digest.js";
import type { Vertex } from "../planner/plan.js";
import { BuildRun } from "./build.js";
import type { CachePolicy } from "./cachekey.js";
import { SharedRun, type RunListener } from "./shared-run.js";
import type { CacheStore, ContextHasher, OpContext, OpRunner, ResolvedInput } from "./types.js";

/**
 * DEFAULT_MIN_JOBS is the least default concurrency. Steps spend much of their time waiting (on the
 * runtime starting, the network, the disk), and BuildKit runs every independent step at once, so
 * even a 2-core machine runs at least four steps together by default.
 */
export const DEFAULT_MIN_JOBS = 4;

/** SchedulerOptions are the seams and limits of a Scheduler. */
export interface SchedulerOptions<R> {
  readonly runner: OpRunner<R>;
  readonly cache: CacheStore<R>;
  /** Required when a plan reads the build context (COPY/ADD from the context, RUN bind mounts without `from`). */
  readonly context?: ContextHasher;
  /** How many ops run at once; default DEFAULT_MIN_JOBS or os.availableParallelism(), whichever is more. */
  readonly jobs?: number;
  /** The clock for event times (ms since the epoch); default Date.now. */
  readonly now?: () => number;
}

/** ExecuteOptions are per build: cancellation, the event listener, the cache policy, the Dockerfile name for errors. */
export interface ExecuteOptions extends CachePolicy {
  readonly signal?: AbortSignal;
  readonly onEvent?: BuildEventListener;
  /** The Dockerfile path as the user named it; RunStepError reports it with the step's range. */
  readonly dockerfile?: string;
}

/** ExecuteResult maps every vertex digest to its result and cache key, and says which vertices were cached or executed. */
export interface ExecuteResult<R> {
  readonly results: ReadonlyMap<Digest, R>;
  readonly keys: ReadonlyMap<Digest, Digest>;
  readonly cached: readonly Digest[];
  readonly executed: readonly Digest[];
}

/** Scheduler executes plans; see the module comment for its guarantees. */
export class Scheduler<R> {
  /** jobs is how many ops may run at once, across every build of this Scheduler. */
  readonly jobs: number;
  private readonly queue: PQueue;
  private readonly inflight = new Map<Digest, SharedRun<R>>();
  private readonly options: SchedulerOptions<R>;
  /** now is the clock event times are read from. */
  readonly now: () => number;

  /** Scheduler checks `jobs` (a positive integer) and throws a RangeError naming a bad value. */
  constructor(options: SchedulerOptions<R>) {
    const jobs = options.jobs ?? Math.max(DEFAULT_MIN_JOBS, availableParallelism());
    if (!Number.isSafeInteger(jobs) || jobs < 1) throw new RangeError(`jobs must be a positive integer, got ${String(options.jobs)}`);
    this.jobs = jobs;
    this.queue = new PQueue({ concurrency: jobs });
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /**
   * execute runs `vertices` (topological order, each after its inputs, digests unique) and resolves
   * with every vertex's result. It rejects with RunStepError for the first vertex that failed, or
   * BuildCanceledError when `signal` aborted; either way only after every op it started and no
   * other build still needs has settled. Every vertex gets `queued` and then exactly one of
   * `cached`, `done`, `error` or `canceled` (with `running` before `done`, and before `error` or
   * `canceled` when its op had started).
   */
  execute(vertices: readonly Vertex[], options: ExecuteOptions = {}): Promise<ExecuteResult<R>> {
    return new BuildRun<R>(this, this.options, options).execute(vertices);
  }

  /**
   * runShared joins the in-flight run for `key`, or starts one on the job queue, and attaches the
   * listener before the op can start (see SharedRun.attach for how `signal` lets go). A run every
   * waiter abandoned is not joined: a new run starts once the abandoned one has settled.
   * `consumed` becomes the op's OpContext.consumed.
   */
  runShared(vertex: Vertex, key: Digest, inputs: readonly ResolvedInput<R>[], listener: RunListener, signal: AbortSignal, consumed = false): { run: SharedRun<R>; result: Promise<R> } {
    const existing = this.inflight.get(key);
    if (existing && !existing.abandoned) return { run: existing, result: existing.attach(listener, signal) };
    const { runner, cache } = this.options;
    const op = async (ctx: OpContext): Promise<R> => {
      const result = await runner.run(vertex, inputs, ctx);
      await cache.put(key, result);
      return result;
    };
    const enqueue = <T>(task: () => Promise<T>, queued: AbortSignal): Promise<T> => this.queue.add(task, { signal: queued });
    const run = new SharedRun<R>(key, enqueue, this.now, op, consumed);
    this.inflight.set(key, run);
    const forget = (): void => {
      if (this.inflight.get(key) === run) this.inflight.delete(key);
    };
    // Both branches only remove the table entry; the outcome reaches every waiter through attach().
    run.promise.then(forget, forget);
    const result = run.attach(listener, signal);
    // Two ops with one key never run at once: a replacement waits until the abandoned run has stopped.
    if (existing) existing.promise.then(() => run.start(), () => run.start());
    else run.start();
    return { run, result };
  }
}
