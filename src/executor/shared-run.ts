/**
 * SharedRun is one execution of an op, shared by every build (or vertex) that needs the same cache
 * key while it is in flight, so identical work runs once. It fans the op's output out to every
 * attached listener, and it aborts the op only when the last build waiting on it lets go.
 */
import type { Diagnostic } from "../core/diagnostic.js";
import type { Digest } from "../core/digest.js";
import { LogTail } from "./log-tail.js";
import type { ByteProgress, OpContext } from "./types.js";

/** RunListener receives what a running op reports, for one vertex of one build. */
export interface RunListener {
  started(time: number): void;
  log(stream: "stdout" | "stderr", data: string, time: number): void;
  progress(update: ByteProgress, time: number): void;
  warn(diagnostic: Diagnostic, time: number): void;
  /** failed is called before the job slot is released, so a build can cancel its queued work first. */
  failed(error: unknown): void;
}

/** Enqueue hands a task to the job queue; the task must not start after `queued` aborts. */
export type Enqueue = <T>(task: () => Promise<T>, queued: AbortSignal) => Promise<T>;

/** SharedRun is one op execution and its waiters; see the module comment. */
export class SharedRun<R> {
  readonly key: Digest;
  /** promise settles only after the op has settled and its result was written to the cache. */
  readonly promise: Promise<R>;
  readonly tail = new LogTail();
  startedAt: number | undefined;
  /** consumed is OpContext.consumed for the op: a vertex of the build that started it takes its result as an input. */
  private readonly consumed: boolean;
  private readonly controller = new AbortController();
  private readonly queued = new AbortController();
  private readonly listeners = new Set<RunListener>();
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  private waiters = 0;

  private begin: (() => void) | undefined;

  /** SharedRun prepares `op`; start() enqueues it, after the first listener is attached so it misses no output. */
  constructor(key: Digest, enqueue: Enqueue, now: () => number, op: (ctx: OpContext) => Promise<R>, consumed = false) {
    this.key = key;
    this.consumed = consumed;
    this.promise = new Promise<R>((resolve, reject) => {
      this.begin = () => enqueue(() => this.task(now, op), this.queued.signal).then(resolve, reject);
    });
  }

  /** abandoned is true once every waiter let go and the op was told to stop; nobody may join it then. */
  get abandoned(): boolean {
    return this.controller.signal.aborted;
  }

  /** start puts the op on the job queue (once); it starts when a slot frees, unless every waiter has aborted by then. */
  start(): void {
    if (this.waiters === 0) this.queued.abort(new Error("no build waits for this op"));
    const begin = this.begin;
    this.begin = undefined;
    begin?.();
  }

  private async task(now: () => number, op: (ctx: OpContext) => Promise<R>): Promise<R> {
    this.startedAt = now();
    for (const l of this.listeners) l.started(this.startedAt);
    let result: R;
    try {
      result = await op(this.context(now));
    } catch (e) {
      this.flush(now());
      for (const l of [...this.listeners]) l.failed(e);
      throw e;
    }
    this.flush(now());
    return result;
  }

  /**
   * attach makes a listener wait for the result. When `signal` aborts, the listener lets go: if
   * others still wait, the returned promise rejects at once with the abort reason; if it was the
   * last, the op is aborted and the promise settles the way the op settles, never earlier.
   */
  attach(listener: RunListener, signal: AbortSignal): Promise<R> {
    if (signal.aborted) return Promise.reject(signal.reason);
    this.waiters++;
    this.listeners.add(listener);
    if (this.startedAt !== undefined) listener.started(this.startedAt);
    return new Promise<R>((resolve, reject) => {
      const release = (): void => {
        signal.removeEventListener("abort", onAbort);
        this.listeners.delete(listener);
      };
      const onAbort = (): void => {
        release();
        if (--this.waiters > 0) return reject(signal.reason);
        if (this.startedAt === undefined) this.queued.abort(signal.reason);
        this.controller.abort(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.promise.then(
        (r) => (release(), resolve(r)),
        (e: unknown) => (release(), reject(e)),
      );
    });
  }

  private context(now: () => number): OpContext {
    return {
      signal: this.controller.signal,
      key: this.key,
      consumed: this.consumed,
      log: (stream, chunk) => {
        const data = typeof chunk === "string" ? chunk : this.decoders[stream].decode(chunk, { stream: true });
        if (data !== "") this.emitLog(stream, data, now());
      },
      progress: (update) => {
        const t = now();
        for (const l of this.listeners) l.progress(update, t);
      },
      warn: (diagnostic) => {
        const t = now();
        for (const l of this.listeners) l.warn(diagnostic, t);
      },
    };
  }

  private emitLog(stream: "stdout" | "stderr", data: string, time: number): void {
    this.tail.push(stream, data);
    for (const l of this.listeners) l.log(stream, data, time);
  }

  /** flush emits what the decoders still hold (a truncated multi-byte character at the very end). */
  private flush(time: number): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.decoders[stream].decode();
      if (rest !== "") this.emitLog(stream, rest, time);
    }
  }
}
