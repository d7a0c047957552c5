import { describe, expect, it } from "vitest";
import { BuildCanceledError, ProcessExitError, RunStepError } from "../../src/core/errors.js";
import type { BuildEvent } from "../../src/core/events.js";
import { Scheduler } from "../../src/executor/index.js";
import type { Vertex } from "../../src/planner/plan.js";
import { checkOrder } from "./order.js";
import { collect, deferred, exec, FakeHasher, FakeRunner, MemoryCache, scratch, statuses, vertex } from "./fakes.js";

const RANGE = { start: { line: 3, column: 1, offset: 20 }, end: { line: 3, column: 12, offset: 31 } };

function setup(jobs: number): { runner: FakeRunner; scheduler: Scheduler<string> } {
  const runner = new FakeRunner();
  return { runner, scheduler: new Scheduler({ runner, cache: new MemoryCache<string>(), context: new FakeHasher(), jobs }) };
}

/** untilAborted resolves once the op's signal fires, then waits one more turn, as a real op stops its process. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => setImmediate(() => reject(signal.reason)), { once: true });
  });
}

describe("Scheduler: failure", () => {
  it("a failing op cancels what has not started and reports the step, range, exit code and last lines", async () => {
    const { runner, scheduler } = setup(1);
    const fail: Vertex = { ...vertex("[2/3] RUN false", exec("false")), range: RANGE };
    const queued = vertex("RUN queued", exec("queued"));
    const after = vertex("RUN after", exec("after"), [fail]);
    runner.behavior.set("[2/3] RUN false", async (ctx) => {
      ctx.log("stdout", "compiling\n");
      ctx.log("stderr", new TextEncoder().encode("error: boom\nlast words"));
      throw new ProcessExitError(["/bin/sh", "-c", "false"], 2);
    });
    const { events, onEvent } = collect();
    const err = await scheduler.execute([fail, queued, after], { onEvent, dockerfile: "Dockerfile" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunStepError);
    const e = err as RunStepError;
    expect(e.step).toBe("[2/3] RUN false");
    expect(e.vertex).toBe(fail.digest);
    expect(e.file).toBe("Dockerfile");
    expect(e.range).toEqual(RANGE);
    expect(e.exitCode).toBe(2);
    expect(e.lastLines).toEqual(["compiling", "error: boom", "last words"]);
    expect(e.message).toBe('[2/3] RUN false (Dockerfile:3): process "/bin/sh -c false" did not complete successfully: exit code: 2');
    expect(e.cause).toBeInstanceOf(ProcessExitError);
    expect(runner.calls).toEqual(["[2/3] RUN false"]);
    expect(statuses(events, "[2/3] RUN false")).toEqual(["queued", "running", "error"]);
    expect(events.find((x) => x.type === "vertex" && x.status === "error")).toMatchObject({
      error: 'process "/bin/sh -c false" did not complete successfully: exit code: 2',
      started: expect.any(Number),
    });
    expect(statuses(events, "RUN queued")).toEqual(["queued", "canceled"]);
    expect(statuses(events, "RUN after")).toEqual(["queued", "canceled"]);
    checkOrder(events);
  });

  it("a failure aborts sibling ops that are running and waits for them to stop", async () => {
    const { runner, scheduler } = setup(2);
    const slow = vertex("RUN slow", exec("slow"));
    const bad = vertex("RUN bad", exec("bad"));
    let slowStopped = false;
    runner.behavior.set("RUN slow", (ctx) => untilAborted(ctx.signal).finally(() => (slowStopped = true)));
    runner.behavior.set("RUN bad", async () => {
      await runner.startedOf("RUN slow").promise;
      throw new Error("copy failed");
    });
    const { events, onEvent } = collect();
    const err = await scheduler.execute([slow, bad], { onEvent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunStepError);
    expect((err as RunStepError).step).toBe("RUN bad");
    expect((err as RunStepError).exitCode).toBeUndefined();
    expect(slowStopped).toBe(true);
    expect(runner.running.size).toBe(0);
    expect(statuses(events, "RUN slow")).toEqual(["queued", "running", "canceled"]);
    checkOrder(events);
  });

  it("a context hashing error fails the vertex before it runs and cancels its dependents", async () => {
    const { runner, scheduler } = setup(2);
    const base = scratch();
    const copy = vertex("COPY missing", {
      kind: "copy", add: false, from: "context", sources: [{ kind: "path", path: "missing.txt" }], dest: "/", chown: undefined, chmod: undefined,
      link: false, parents: false, excludes: [], checksum: undefined, unpack: undefined, keepGitDir: false,
    }, [base]);
    const run = vertex("RUN after", exec("after"), [copy]);
    const { events, onEvent } = collect();
    const err = await scheduler.execute([base, copy, run], { onEvent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunStepError);
    expect((err as Error).message).toContain('"/missing.txt": not found');
    expect(runner.calls).not.toContain("COPY missing");
    expect(statuses(events, "COPY missing")).toEqual(["queued", "error"]);
    expect(statuses(events, "RUN after")).toEqual(["queued", "canceled"]);
    checkOrder(events);
  });
});

describe("Scheduler: seams that fail or stall", () => {
  it("a cache write that fails fails the vertex", async () => {
    const runner = new FakeRunner();
    const cache = new MemoryCache<string>();
    cache.put = () => {
      throw new Error("disk full");
    };
    const scheduler = new Scheduler({ runner, cache, jobs: 1 });
    await expect(scheduler.execute([vertex("RUN a", exec("a"))])).rejects.toThrow("RUN a: disk full");
  });

  it("an abort while the context is being hashed cancels the build without waiting for the hash", async () => {
    const runner = new FakeRunner();
    let asked = 0;
    const hasher = {
      digestOf: () => {
        asked++;
        return new Promise<never>(() => undefined);
      },
    };
    const scheduler = new Scheduler({ runner, cache: new MemoryCache<string>(), context: hasher, jobs: 1 });
    const copy = vertex("COPY .", {
      kind: "copy", add: false, from: "context", sources: [{ kind: "path", path: "." }], dest: "/", chown: undefined, chmod: undefined,
      link: false, parents: false, excludes: [], checksum: undefined, unpack: undefined, keepGitDir: false,
    });
    const controller = new AbortController();
    const { events, onEvent } = collect();
    const done = scheduler.execute([copy], { signal: controller.signal, onEvent });
    await new Promise((r) => setImmediate(r));
    controller.abort();
    await expect(done).rejects.toThrow(BuildCanceledError);
    expect(asked).toBe(1);
    expect(statuses(events, "COPY .")).toEqual(["queued", "canceled"]);
    expect(runner.execCount).toBe(0);
  });
});

describe("Scheduler: abort", () => {
  it("rejects with BuildCanceledError within a bounded time, after the running op stopped", async () => {
    const { runner, scheduler } = setup(2);
    const a = vertex("RUN a", exec("a"));
    const b = vertex("RUN b", exec("b"), [a]);
    let observed = false;
    runner.behavior.set("RUN a", (ctx) => untilAborted(ctx.signal).finally(() => (observed = true)));
    const controller = new AbortController();
    const { events, onEvent } = collect();
    const done = scheduler.execute([a, b], { signal: controller.signal, onEvent });
    await runner.startedOf("RUN a").promise;
    const t0 = Date.now();
    controller.abort();
    const err = await done.catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(BuildCanceledError);
    expect(observed).toBe(true);
    expect(runner.running.size).toBe(0);
    expect(runner.calls).toEqual(["RUN a"]);
    expect(statuses(events, "RUN a")).toEqual(["queued", "running", "canceled"]);
    expect(statuses(events, "RUN b")).toEqual(["queued", "canceled"]);
    checkOrder(events);
  });

  it("does not settle before an op that is slow to stop has stopped", async () => {
    const { runner, scheduler } = setup(1);
    const gate = deferred();
    const a = vertex("RUN stubborn", exec("a"));
    runner.behavior.set("RUN stubborn", async (ctx) => {
      await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
      await gate.promise;
    });
    const controller = new AbortController();
    let settled = false;
    const done = scheduler.execute([a], { signal: controller.signal }).finally(() => (settled = true));
    await runner.startedOf("RUN stubborn").promise;
    controller.abort(new Error("SIGINT"));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(runner.running.size).toBe(1);
    gate.resolve();
    // The op finished successfully despite the abort: its vertex is done, and the build still reports the cancel.
    await expect(done).rejects.toThrow(BuildCanceledError);
    await expect(done).rejects.toThrow("build canceled: SIGINT");
    expect(runner.running.size).toBe(0);
  });

  it("an already aborted signal runs nothing", async () => {
    const { runner, scheduler } = setup(2);
    await expect(scheduler.execute([vertex("RUN a", exec("a"))], { signal: AbortSignal.abort() })).rejects.toThrow(BuildCanceledError);
    expect(runner.execCount).toBe(0);
  });

  it("one build's abort leaves an op another build still needs running", async () => {
    const { runner, scheduler } = setup(2);
    const gate = deferred();
    const v = vertex("RUN shared", exec("shared"));
    runner.behavior.set("RUN shared", async (ctx) => {
      await gate.promise;
      ctx.signal.throwIfAborted();
    });
    const controller = new AbortController();
    const first = scheduler.execute([v], { signal: controller.signal });
    await runner.startedOf("RUN shared").promise;
    const second = scheduler.execute([v]);
    await new Promise((r) => setImmediate(r));
    controller.abort();
    await expect(first).rejects.toThrow(BuildCanceledError);
    expect(runner.running.size).toBe(1);
    gate.resolve();
    expect((await second).results.get(v.digest)).toBe("RUN shared()");
    expect(runner.execCount).toBe(1);
  });
});

describe("Scheduler: abandoned runs", () => {
  it("a later build does not join an op whose builds all aborted, and waits for it to stop", async () => {
    const { runner, scheduler } = setup(2);
    const gate = deferred();
    const v = vertex("RUN x", exec("x"));
    let calls = 0;
    runner.behavior.set("RUN x", async (ctx) => {
      if (++calls > 1) return;
      await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
      await gate.promise;
      ctx.signal.throwIfAborted();
    });
    const controller = new AbortController();
    const first = scheduler.execute([v], { signal: controller.signal });
    await runner.startedOf("RUN x").promise;
    controller.abort();
    const second = scheduler.execute([v]);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(runner.execCount).toBe(1);
    gate.resolve();
    await expect(first).rejects.toThrow(BuildCanceledError);
    expect((await second).results.get(v.digest)).toBe("RUN x()");
    expect(runner.execCount).toBe(2);
    expect(runner.maxRunning).toBe(1);
  });
});

describe("Scheduler: events", () => {
  it("streams logs, byte progress and warnings per vertex as JSON-safe events in a valid order", async () => {
    const { runner, scheduler } = setup(2);
    const base = scratch();
    const a = vertex("RUN a", exec("a"), [base]);
    const b = vertex("RUN b", exec("b"), [base]);
    const euro = new TextEncoder().encode("price: \u20ac5\n");
    runner.behavior.set("RUN a", async (ctx) => {
      ctx.log("stdout", euro.slice(0, 9));
      ctx.log("stdout", euro.slice(9));
      ctx.progress({ id: "layer", label: "exporting layer", current: 5, total: 10 });
      ctx.progress({ id: "layer", label: "exporting layer", current: 10, total: 10, done: true });
    });
    runner.behavior.set("RUN b", async (ctx) => {
      ctx.warn({ code: "W", severity: "warning", message: "careful", file: "Dockerfile", range: RANGE, notes: [] });
    });
    const { events, onEvent } = collect();
    await scheduler.execute([base, a, b], { onEvent });
    checkOrder(events);
    const logs = events.filter((e): e is Extract<BuildEvent, { type: "log" }> => e.type === "log");
    expect(logs.map((l) => l.data).join("")).toBe("price: \u20ac5\n");
    expect(logs.every((l) => l.vertex === a.digest && l.stream === "stdout")).toBe(true);
    const progress = events.filter((e) => e.type === "progress");
    expect(progress).toHaveLength(2);
    expect(progress[1]).toMatchObject({ vertex: a.digest, current: 10, total: 10, completed: expect.any(Number) });
    expect(events.find((e) => e.type === "diagnostic")).toMatchObject({ vertex: b.digest, diagnostic: { message: "careful" } });
    for (const e of events) expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    const doneA = events.find((e) => e.type === "vertex" && e.status === "done" && e.vertex === a.digest);
    expect(doneA).toMatchObject({ started: expect.any(Number), completed: expect.any(Number) });
  });

  it("rejects plans that are not in topological order, or read the context without a hasher", async () => {
    const runner = new FakeRunner();
    const scheduler = new Scheduler({ runner, cache: new MemoryCache<string>(), jobs: 1 });
    const base = scratch();
    const a = vertex("RUN a", exec("a"), [base]);
    await expect(scheduler.execute([a, base])).rejects.toThrow(/comes before its input/);
    await expect(scheduler.execute([base, base])).rejects.toThrow(/twice/);
    const bind = exec("ls", { mounts: [{ type: "bind", target: "/src", source: undefined, input: undefined, fromContext: true, readOnly: true, cacheId: undefined, sharing: undefined, secretId: undefined, secretEnv: undefined, required: false, mode: undefined, uid: undefined, gid: undefined, size: undefined }] });
    await expect(scheduler.execute([vertex("RUN ls", bind)])).rejects.toThrow(/no ContextHasher/);
    expect(() => new Scheduler({ runner, cache: new MemoryCache<string>(), jobs: 0 })).toThrow(RangeError);
    expect(runner.execCount).toBe(0);
  });
});
