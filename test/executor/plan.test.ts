// A real plan from the planner, executed with fake ops: stages overlap, COPY --from waits for its
// stage, a rebuild is all cache hits, and a context edit reruns only the step that reads it.
import { describe, expect, it } from "vitest";
import { chmod, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContextHasher, openContext } from "../../src/executor/context.js";
import { Scheduler } from "../../src/executor/index.js";
import { mustPlan } from "../planner/helpers.js";
import { checkOrder } from "./order.js";
import { collect, FakeHasher, FakeRunner, MemoryCache } from "./fakes.js";

const DOCKERFILE = `FROM alpine AS a
RUN build-a
FROM alpine AS b
RUN build-b
FROM alpine
COPY --from=a /out /a
COPY --from=b /out /b
COPY app.txt /app
`;

describe("Scheduler on a planned multi-stage Dockerfile", () => {
  it("overlaps independent stages, then caches everything, then reruns only what reads a changed file", async () => {
    const plan = mustPlan(DOCKERFILE);
    const runner = new FakeRunner();
    const hasher = new FakeHasher();
    hasher.files.set("app.txt", "v1");
    const scheduler = new Scheduler({ runner, cache: new MemoryCache<string>(), context: hasher, jobs: 4 });
    // Each stage's RUN waits until the other has started: this build finishes only if they overlap.
    runner.behavior.set("[a 2/2] RUN build-a", () => runner.startedOf("[b 2/2] RUN build-b").promise);
    runner.behavior.set("[b 2/2] RUN build-b", () => runner.startedOf("[a 2/2] RUN build-a").promise);
    const { events, onEvent } = collect();
    const first = await scheduler.execute(plan.vertices, { onEvent, dockerfile: "Dockerfile" });
    checkOrder(events);
    expect(runner.execCount).toBe(plan.vertices.length);
    const copyA = runner.calls.indexOf("[stage-2 2/4] COPY --from=a /out /a");
    expect(copyA).toBeGreaterThan(runner.calls.indexOf("[a 2/2] RUN build-a"));
    expect(first.results.get(plan.root)).toContain("[stage-2 4/4] COPY app.txt /app(");

    runner.calls.length = 0;
    const again = await scheduler.execute(plan.vertices);
    expect(runner.calls).toEqual([]);
    expect(again.cached).toHaveLength(plan.vertices.length);

    hasher.files.set("app.txt", "v2");
    await scheduler.execute(plan.vertices);
    expect(runner.calls).toEqual(["[stage-2 4/4] COPY app.txt /app"]);
  });

  it("an unused build arg changes no key", async () => {
    const runner = new FakeRunner();
    const hasher = new FakeHasher();
    hasher.files.set("app.txt", "v1");
    const scheduler = new Scheduler({ runner, cache: new MemoryCache<string>(), context: hasher, jobs: 2 });
    await scheduler.execute(mustPlan(DOCKERFILE).vertices);
    runner.calls.length = 0;
    await scheduler.execute(mustPlan(DOCKERFILE, { buildArgs: new Map([["UNUSED", "x"]]) }).vertices);
    expect(runner.calls).toEqual([]);
    await scheduler.execute(mustPlan(`ARG V=1\n${DOCKERFILE.replace("RUN build-a", "ARG V\nRUN build-a")}`, { buildArgs: new Map([["V", "2"]]) }).vertices);
    expect(runner.calls).toEqual(["[a 2/2] RUN build-a", "[stage-2 2/4] COPY --from=a /out /a", "[stage-2 3/4] COPY --from=b /out /b", "[stage-2 4/4] COPY app.txt /app"]);
  });

  it("with the real context hasher: mtime-only changes stay cached, content and mode changes rerun the COPY", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tsbuild-exec-"));
    try {
      await writeFile(join(dir, "app.txt"), "v1");
      const plan = mustPlan(DOCKERFILE);
      const runner = new FakeRunner();
      const cache = new MemoryCache<string>();
      const build = async (): Promise<string[]> => {
        runner.calls.length = 0;
        const context = createContextHasher(await openContext(dir));
        await new Scheduler({ runner, cache, context, jobs: 2 }).execute(plan.vertices);
        return [...runner.calls];
      };
      expect(await build()).toHaveLength(plan.vertices.length);
      await utimes(join(dir, "app.txt"), new Date(2001, 1, 1), new Date(2001, 1, 1));
      expect(await build()).toEqual([]);
      await writeFile(join(dir, "app.txt"), "v2");
      expect(await build()).toEqual(["[stage-2 4/4] COPY app.txt /app"]);
      await chmod(join(dir, "app.txt"), 0o600);
      expect(await build()).toEqual(["[stage-2 4/4] COPY app.txt /app"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
