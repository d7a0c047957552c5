/**
 * BuildRun is the state of one Scheduler.execute call: per vertex a key promise and a result
 * promise, the event emission with its per-vertex state machine, and the failure/abort policy
 * (the first failure aborts the rest; an abort waits for every op this build alone started).
 */
import { setMaxListeners } from "node:events";
import type { Digest } from "../core/digest.js";
import { BuildCanceledError, RunStepError } from "../core/errors.js";
import type { Vertex } from "../planner/plan.js";
import { cacheKey, contextSelectors, readsCache } from "./cachekey.js";
import type { ExecuteOptions, ExecuteResult, Scheduler, SchedulerOptions } from "./scheduler.js";
import type { SharedRun, RunListener } from "./shared-run.js";
import type { ResolvedInput } from "./types.js";
import { VertexEvents } from "./vertex-events.js";

/** DEPENDENCY_FAILED marks a vertex that cannot go on because an input failed or was canceled. */
const DEPENDENCY_FAILED = Symbol("dependency failed");

interface Node<R> {
  readonly key: Promise<Digest>;
  readonly result: Promise<R>;
}

/** BuildRun executes one plan for Scheduler.execute; it is used once. */
export class BuildRun<R> {
  private readonly abort = new AbortController();
  private failure: RunStepError | undefined;
  private readonly nodes = new Map<Digest, Node<R>>();
  private readonly runs = new Map<Digest, SharedRun<R>>();
  private readonly keys = new Map<Digest, Digest>();
  private readonly cached: Digest[] = [];
  /** sourceWork is the runner's key work (sourceDigests) started for the vertices, awaited before the build settles. */
  private readonly sourceWork: Promise<unknown>[] = [];
  private readonly executed: Digest[] = [];
  /** consumed holds the vertices some vertex of this build takes as an input. */
  private readonly consumed = new Set<Digest>();
  private readonly events: VertexEvents;

  constructor(
    private readonly scheduler: Scheduler<R>,
    private readonly seams: SchedulerOptions<R>,
    private readonly options: ExecuteOptions,
  ) {
    this.events = new VertexEvents(scheduler.now, options.onEvent);
    // Every waiting vertex listens on the build's signal; thousands of listeners are expected, not a leak.
    setMaxListeners(0, this.abort.signal);
  }

  /** execute walks the vertices; see Scheduler.execute for the contract. */
  async execute(vertices: readonly Vertex[]): Promise<ExecuteResult<R>> {
    this.validate(vertices);
    const user = this.options.signal;
    if (user?.aborted) throw new BuildCanceledError(user.reason);
    const onUserAbort = (): void => this.abort.abort(user?.reason);
    user?.addEventListener("abort", onUserAbort, { once: true });
    try {
      for (const v of vertices) this.events.queued(v);
      for (const v of vertices) for (const i of v.inputs) this.consumed.add(i);
      for (const v of vertices) {
        const key = this.computeKey(v);
        this.nodes.set(v.digest, { key, result: this.process(v, key) });
      }
      const settled = await Promise.allSettled([...this.nodes.values()].map((n) => n.result));
      // A vertex stops waiting for its key on abort, but the runner's source work for keys (git
      // ls-remote, a download for ADD --checksum) may still run a process: the build settles only
      // after it has (it stops on the same signal). A stalled context hash is not waited for.
      await Promise.allSettled(this.sourceWork);
      if (this.failure) throw this.failure;
      // An abort wins even when every op happened to finish: the caller asked for the build to stop.
      if (user?.aborted || settled.some((s) => s.status === "rejected")) throw new BuildCanceledError(user?.reason);
      const results = new Map<Digest, R>();
      settled.forEach((s, i) => results.set(vertices[i]!.digest, (s as PromiseFulfilledResult<R>).value));
      return { results, keys: this.keys, cached: this.cached, executed: this.executed };
    } finally {
      user?.removeEventListener("abort", onUserAbort);
    }
  }

  /** validate checks the plan's shape: unique digests, each vertex after its inputs, a hasher when the context is read. */
  private validate(vertices: readonly Vertex[]): void {
    const seen = new Set<Digest>();
    for (const v of vertices) {
      if (seen.has(v.digest)) throw new TypeError(`plan lists vertex ${v.digest} (${v.name}) twice`);
      const missing = v.inputs.find((i) => !seen.has(i));
      if (missing) throw new TypeError(`vertex ${v.digest} (${v.name}) comes before its input ${missing}: vertices must be in topological order`);
      if (!this.seams.context && contextSelectors(v).length > 0) {
        throw new TypeError(`vertex ${v.digest} (${v.name}) reads the build context but the scheduler has no ContextHasher`);
      }
      seen.add(v.digest);
    }
  }

  private async computeKey(v: Vertex): Promise<Digest> {
    const signal = this.abort.signal;
    const selectors = contextSelectors(v);
    const runner = this.seams.runner;
    const sources = runner.sourceDigests ? runner.sourceDigests(v, signal) : Promise.resolve([]);
    this.sourceWork.push(sources);
    const [inputKeys, context, extra] = await Promise.all([
      this.dependencies(v.inputs.map((i) => this.nodes.get(i)!.key)),
      selectors.length > 0 ? this.seams.context!.digestOf(selectors).then((d) => [d]) : [],
      sources,
    ]);
    const key = cacheKey(v, inputKeys, [...context, ...extra]);
    this.keys.set(v.digest, key);
    return key;
  }

  /** process resolves one vertex: its key, then the cache, then its inputs' results and its op. */
  private async process(v: Vertex, keyPromise: Promise<Digest>): Promise<R> {
    try {
      const key = await abortable(keyPromise, this.abort.signal);
      if (readsCache(v, this.options)) {
        const hit = await abortable(Promise.resolve(this.seams.cache.get(key)), this.abort.signal);
        if (hit !== undefined) {
          this.events.terminal(v, "cached");
          this.cached.push(v.digest);
          return hit;
        }
      }
      const results = await this.dependencies(v.inputs.map((i) => this.nodes.get(i)!.result));
      const inputs: ResolvedInput<R>[] = results.map((result, i) => ({ vertex: v.inputs[i]!, key: this.keys.get(v.inputs[i]!)!, result }));
      this.abort.signal.throwIfAborted();
      const shared = this.scheduler.runShared(v, key, inputs, this.listener(v), this.abort.signal, this.consumed.has(v.digest));
      this.runs.set(v.digest, shared.run);
      const result = await shared.result;
      this.events.terminal(v, "done");
      this.executed.push(v.digest);
      return result;
    } catch (e) {
      this.failed(v, e);
      throw e;
    }
  }

  /** failed turns a vertex's failure into its terminal event; the first real failure aborts the build. */
  private failed(v: Vertex, e: unknown): void {
    if (e === DEPENDENCY_FAILED || this.abort.signal.aborted) {
      this.events.terminal(v, "canceled");
      return;
    }
    const error =
      e instanceof RunStepError
        ? e
        : new RunStepError({
            step: v.name,
            vertex: v.digest,
            file: this.options.dockerfile,
            range: v.range,
            exitCode: exitCodeOf(e),
            lastLines: this.runs.get(v.digest)?.tail.lines() ?? [],
            cause: e,
          });
    // The event carries the op's own message, as BuildKit's `ERROR:` line does; the step is on the vertex.
    this.events.terminal(v, "error", error.cause instanceof Error ? error.cause.message : String(error.cause));
    this.failure = error;
    this.abort.abort(error);
  }

  /** dependencies waits for input promises; an input's failure becomes DEPENDENCY_FAILED, an abort rejects at once. */
  private async dependencies<T>(promises: readonly Promise<T>[]): Promise<T[]> {
    const all = Promise.all(promises).catch(() => {
      throw DEPENDENCY_FAILED;
    });
    return abortable(all, this.abort.signal);
  }

  private listener(v: Vertex): RunListener {
    return {
      started: (time) => this.events.running(v, time),
      log: (stream, data, time) => this.events.emit({ type: "log", vertex: v.digest, stream, data, time }),
      progress: (u, time) =>
        this.events.emit({
          type: "progress",
          id: u.id,
          vertex: v.digest,
          label: u.label,
          current: u.current,
          ...(u.total === undefined ? {} : { total: u.total }),
          time,
          ...(u.done ? { completed: time } : {}),
        }),
      warn: (diagnostic, time) => this.events.emit({ type: "diagnostic", diagnostic, vertex: v.digest, time }),
      failed: (error) => this.failed(v, error),
    };
  }
}

/** abortable settles like `p`, or rejects with the abort reason as soon as `signal` aborts (p's outcome is still observed). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(ignoreLate);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (r) => (signal.removeEventListener("abort", onAbort), resolve(r)),
      (e: unknown) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}

/** ignoreLate handles a rejection nobody waits for any more: the vertex that owns it reports it through its own events. */
function ignoreLate(): void {}

/** exitCodeOf reads the numeric `exitCode` an op's error carries (ProcessExitError and the like). */
function exitCodeOf(e: unknown): number | undefined {
  const code = (e as { exitCode?: unknown } | null)?.exitCode;
  return typeof e === "object" && typeof code === "number" ? code : undefined;
}
