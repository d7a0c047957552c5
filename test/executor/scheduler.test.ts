import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/digest.js";
import { Scheduler } from "../../src/executor/index.js";
import type { CopyOp, Vertex } from "../../src/planner/plan.js";
import { collect, deferred, exec, FakeHasher, FakeRunner, MemoryCache, scratch, statuses, vertex } from "./fakes.js";

function setup(jobs = 4): { runner: FakeRunner; cache: MemoryCache<string>; hasher: FakeHasher; scheduler: Scheduler<string> } {
  const runner = new FakeRunner();
  const cache = new MemoryCache<string>();
  const hasher = new FakeHasher();
  return { runner, cache, hasher, scheduler: new Scheduler({ runner, cache, context: hasher, jobs }) };
}

function copyFromContext(path: string): CopyOp {
  return {
    kind: "copy", add: false, from: "context", sources: [{ kind: "path", path }], dest: "/app/", chown: undefined, chmod: undefined,
    link: false, parents: false, excludes: [], checksum: undefined, unpack: undefined, keepGitDir: false,
  };
}

/** chain is base -> COPY a.txt -> RUN one -> RUN two, plus an independent RUN other on base. */
function chain(): { base: Vertex; copy: Vertex; one: Vertex; two: Vertex; other: Vertex; all: Vertex[] } {
  const base = scratch();
  const copy = vertex("COPY a.txt", copyFromContext("a.txt"), [base]);
  const one = vertex("RUN one", exec("one"), [copy]);
  const two = vertex("RUN two", exec("two"), [one]);
  const other = vertex("RUN other", exec("other"), [base]);
  return { base, copy, one, two, other, all: [base, copy, one, two, other] };
}

describe("Scheduler: OpContext.consumed", () => {
  it("tells an op whether a vertex of the build takes its result as an input", async () => {
    const { runner, hasher, scheduler } = setup();
    hasher.files.set("a.txt", "hello");
    const { all } = chain();
    const seen = new Map<string, boolean | undefined>();
    for (const v of all) runner.behavior.set(v.name, async (ctx) => void seen.set(v.name, ctx.consumed));
    await scheduler.execute(all);
    expect(Object.fromEntries(seen)).toEqual({ scratch: true, "COPY a.txt": true, "RUN one": true, "RUN two": false, "RUN other": false });
    // Alone in a build, the COPY's result is the build's output: nothing takes it as an input.
    hasher.files.set("a.txt", "changed");
    const { copy, base } = chain();
    await scheduler.execute([base, copy]);
    expect(seen.get("COPY a.txt")).toBe(false);
  });
});

describe("Scheduler: cache", () => {
  it("runs every vertex once, then a rebuild is all cache hits with execCount === 0", async () => {
    const { runner, cache, hasher, scheduler } = setup();
    hasher.files.set("a.txt", "hello");
    const { all, two } = chain();
    const first = await scheduler.execute(all);
    expect(runner.execCount).toBe(5);
    expect(first.results.get(two.digest)).toBe("RUN two(RUN one(COPY a.txt(scratch())))");
    runner.execCount = 0;
    const { events, onEvent } = collect();
    const second = await scheduler.execute(all, { onEvent });
    expect(runner.execCount).toBe(0);
    expect(second.cached).toHaveLength(5);
    expect(second.executed).toEqual([]);
    expect(second.results).toEqual(first.results);
    expect(statuses(events, "RUN two")).toEqual(["queued", "cached"]);
  });

  it("reruns exactly the dependents of a changed context file", async () => {
    const { runner, hasher, scheduler } = setup();
    hasher.files.set("a.txt", "hello");
    const { all } = chain();
    await scheduler.execute(all);
    runner.calls.length = 0;
    hasher.files.set("a.txt", "changed");
    const r = await scheduler.execute(all);
    expect(runner.calls.sort()).toEqual(["COPY a.txt", "RUN one", "RUN two"]);
    expect(r.cached).toHaveLength(2);
  });

  it("reruns a vertex whose input key changed even though its own op is the same", async () => {
    const { runner, scheduler } = setup();
    const base = scratch();
    const a = vertex("RUN a", exec("a"), [base]);
    await scheduler.execute([base, a, vertex("RUN b", exec("b"), [a])]);
    runner.calls.length = 0;
    const a2 = vertex("RUN a", exec("a2"), [base]);
    await scheduler.execute([base, a2, vertex("RUN b", exec("b"), [a2])]);
    expect(runner.calls).toEqual(["RUN a", "RUN b"]);
  });

  it("--no-cache skips every read but still writes; --no-cache-filter skips one stage", async () => {
    const { runner, cache, scheduler } = setup();
    const base = scratch();
    const build = vertex("RUN build", exec("build"), [base], "build");
    const final = vertex("RUN final", exec("final"), [base], "final");
    await scheduler.execute([base, build, final]);
    const puts = cache.puts;
    runner.calls.length = 0;
    await scheduler.execute([base, build, final], { noCache: true });
    expect(runner.calls.sort()).toEqual(["RUN build", "RUN final", "scratch"]);
    expect(cache.puts).toBe(puts + 3);
    runner.calls.length = 0;
    await scheduler.execute([base, build, final], { noCacheFilter: ["build"] });
    expect(runner.calls).toEqual(["RUN build"]);
  });

  it("keys on the op runner's source digests (an ADD URL's body)", async () => {
    const { runner, cache } = setup();
    let body = "v1";
    const withSources = Object.assign(runner, { sourceDigests: async () => [sha256(body)] });
    const scheduler = new Scheduler({ runner: withSources, cache, jobs: 2 });
    const add = vertex("ADD https://example.test/a", exec("add"));
    await scheduler.execute([add]);
    await scheduler.execute([add]);
    expect(runner.execCount).toBe(1);
    body = "v2";
    await scheduler.execute([add]);
    expect(runner.execCount).toBe(2);
  });

  it("never asks the context hasher about secret mounts", async () => {
    const { runner, hasher, scheduler } = setup();
    const secret = { type: "secret" as const, target: "/run/secrets/t", source: undefined, input: undefined, fromContext: false, readOnly: true,
      cacheId: undefined, sharing: undefined, secretId: "t", secretEnv: undefined, required: true, mode: 0o400, uid: 0, gid: 0, size: undefined };
    const v = vertex("RUN secret", exec("cat /run/secrets/t", { mounts: [secret] }), []);
    await scheduler.execute([v]);
    expect(hasher.calls).toEqual([]);
    expect(runner.execCount).toBe(1);
  });
});

describe("Scheduler: parallelism", () => {
  it("runs at least four steps at once by default, more on machines with more cores", () => {
    const s = new Scheduler({ runner: new FakeRunner(), cache: new MemoryCache<string>() });
    expect(s.jobs).toBe(Math.max(4, availableParallelism()));
  });

  it("runs two independent branches at the same time", async () => {
    const { runner, scheduler } = setup(2);
    const left = vertex("RUN left", exec("left"));
    const right = vertex("RUN right", exec("right"));
    const gate = deferred();
    // Each op waits until the other has started: this finishes only if both run at once.
    runner.behavior.set("RUN left", async () => { await runner.startedOf("RUN right").promise; await gate.promise; });
    runner.behavior.set("RUN right", async () => { await runner.startedOf("RUN left").promise; gate.resolve(); });
    await scheduler.execute([left, right]);
    expect(runner.maxRunning).toBe(2);
  });

  it("starts a vertex only after all its inputs are done", async () => {
    const { runner, scheduler } = setup(4);
    const a = vertex("RUN a", exec("a"));
    const b = vertex("RUN b", exec("b"));
    const join = vertex("RUN join", exec("join"), [a, b]);
    const holdB = deferred();
    runner.behavior.set("RUN b", () => holdB.promise);
    const done = scheduler.execute([a, b, join]);
    await runner.startedOf("RUN a").promise;
    await runner.startedOf("RUN b").promise;
    await new Promise((r) => setImmediate(r));
    expect(runner.calls).not.toContain("RUN join");
    holdB.resolve();
    const r = await done;
    expect(runner.calls.at(-1)).toBe("RUN join");
    expect(r.results.get(join.digest)).toBe("RUN join(RUN a(),RUN b())");
  });

  it("respects the jobs limit", async () => {
    const { runner, scheduler } = setup(2);
    const gates = [deferred(), deferred(), deferred(), deferred(), deferred()];
    const vs = gates.map((_, i) => vertex(`RUN ${i}`, exec(String(i))));
    vs.forEach((v, i) => runner.behavior.set(v.name, () => gates[i]!.promise));
    const done = scheduler.execute(vs);
    await runner.startedOf("RUN 0").promise;
    await runner.startedOf("RUN 1").promise;
    await new Promise((r) => setImmediate(r));
    expect(runner.running.size).toBe(2);
    gates.forEach((g) => g.resolve());
    await done;
    expect(runner.maxRunning).toBe(2);
    expect(runner.execCount).toBe(5);
  });

  it("runs identical vertices once when two builds ask for them at the same time", async () => {
    const { runner, scheduler } = setup(4);
    const gate = deferred();
    const v = vertex("RUN slow", exec("slow"));
    runner.behavior.set("RUN slow", () => gate.promise);
    const a = collect();
    const b = collect();
    const first = scheduler.execute([v], { onEvent: a.onEvent });
    await runner.startedOf("RUN slow").promise;
    const second = scheduler.execute([{ ...v, name: "[other 1/1] RUN slow", stage: "other" }], { onEvent: b.onEvent });
    await new Promise((r) => setImmediate(r));
    gate.resolve();
    const [ra, rb] = await Promise.all([first, second]);
    expect(runner.execCount).toBe(1);
    expect(rb.results.get(v.digest)).toBe(ra.results.get(v.digest));
    expect(statuses(b.events, "[other 1/1] RUN slow")).toEqual(["queued", "running", "done"]);
  });

  it("runs vertices with equal cache keys once within one build", async () => {
    const { runner, scheduler } = setup(4);
    const digest = sha256("alpine manifest");
    const byTag = vertex("FROM alpine:3", { kind: "image", ref: "alpine:3", digest }, [], "a");
    const byDigest = vertex("FROM alpine@sha256", { kind: "image", ref: `alpine@${digest}`, digest }, [], "b");
    const runA = vertex("[a 2/2] RUN make", exec("make"), [byTag], "a");
    const runB = vertex("[b 2/2] RUN make", exec("make"), [byDigest], "b");
    expect(runA.digest).not.toBe(runB.digest);
    const r = await scheduler.execute([byTag, byDigest, runA, runB]);
    expect(runner.execCount).toBe(2);
    expect(r.keys.get(runA.digest)).toBe(r.keys.get(runB.digest));
    expect(r.results.get(runB.digest)).toBe(r.results.get(runA.digest));
  });
});
