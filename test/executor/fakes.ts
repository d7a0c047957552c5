// Fake ops, cache and context hasher for executor tests (STYLE #24): they count calls and let a
// test hold an op open with a deferred promise, so concurrency is proven by state, not timing.
import { canonicalJson, sha256, type Digest } from "../../src/core/digest.js";
import type { BuildEvent } from "../../src/core/events.js";
import type { CacheStore, ContextHasher, ContextSelector, OpContext, OpRunner, ResolvedInput } from "../../src/executor/index.js";
import type { ExecOp, Op, Vertex } from "../../src/planner/plan.js";

export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** deferred makes a promise the test settles by hand. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** exec is an ExecOp running `cmd`, with overrides. */
export function exec(cmd: string, extra: Partial<ExecOp> = {}): ExecOp {
  return { kind: "exec", argv: ["/bin/sh", "-c", cmd], env: [], cwd: "/", user: "", network: "default", security: "sandbox", mounts: [], files: [], ...extra };
}

/** vertex builds a vertex the way the planner does: the digest covers {op, inputs} only. */
export function vertex(name: string, op: Op, inputs: readonly Vertex[] = [], stage = "stage-0"): Vertex {
  const ins = inputs.map((i) => i.digest);
  return { digest: sha256(canonicalJson({ op, inputs: ins })), op, inputs: ins, name, stage, range: undefined };
}

/** scratch is the empty filesystem vertex. */
export function scratch(): Vertex {
  return vertex("scratch", { kind: "scratch" });
}

/** FakeRunner records every run; a test may hold an op open or make it fail through `behavior`. */
export class FakeRunner implements OpRunner<string> {
  execCount = 0;
  readonly calls: string[] = [];
  readonly running = new Set<string>();
  maxRunning = 0;
  readonly behavior = new Map<string, (ctx: OpContext) => Promise<void>>();
  /** started resolves per vertex name when its op starts. */
  readonly started = new Map<string, Deferred>();

  async run(v: Vertex, inputs: readonly ResolvedInput<string>[], ctx: OpContext): Promise<string> {
    this.execCount++;
    this.calls.push(v.name);
    this.running.add(v.name);
    this.maxRunning = Math.max(this.maxRunning, this.running.size);
    this.startedOf(v.name).resolve();
    try {
      await this.behavior.get(v.name)?.(ctx);
      return `${v.name}(${inputs.map((i) => i.result).join(",")})`;
    } finally {
      this.running.delete(v.name);
    }
  }

  startedOf(name: string): Deferred {
    let d = this.started.get(name);
    if (!d) this.started.set(name, (d = deferred()));
    return d;
  }
}

/** MemoryCache is a Map-backed CacheStore counting reads and writes. */
export class MemoryCache<R> implements CacheStore<R> {
  readonly map = new Map<Digest, R>();
  gets = 0;
  puts = 0;
  get(key: Digest): R | undefined {
    this.gets++;
    return this.map.get(key);
  }
  put(key: Digest, result: R): void {
    this.puts++;
    this.map.set(key, result);
  }
}

/** FakeHasher digests selectors from an in-memory file table (path -> content) and records each call. */
export class FakeHasher implements ContextHasher {
  readonly files = new Map<string, string>();
  readonly calls: (readonly ContextSelector[])[] = [];
  async digestOf(selectors: readonly ContextSelector[]): Promise<Digest> {
    this.calls.push(selectors);
    const paths = selectors.flatMap((s) => (s.kind === "copy" ? s.sources : [s.source]));
    const parts = paths.map((p) => {
      const content = this.files.get(p);
      if (content === undefined) throw new Error(`"/${p}": not found`);
      return [p, content];
    });
    return sha256(canonicalJson(parts));
  }
}

/** collect returns an event listener and the array it fills. */
export function collect(): { events: BuildEvent[]; onEvent: (e: BuildEvent) => void } {
  const events: BuildEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

/** statuses lists the vertex statuses emitted for one vertex name, in order. */
export function statuses(events: readonly BuildEvent[], name: string): string[] {
  return events.flatMap((e) => (e.type === "vertex" && e.name === name ? [e.status] : []));
}
