// Seeded random DAGs: whatever the shape, jobs limit, failures and aborts, the scheduler keeps
// its invariants (inputs before dependents, event order, nothing running once it settles).
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../helpers/random.js";
import { BuildCanceledError, RunStepError } from "../../src/core/errors.js";
import { Scheduler } from "../../src/executor/index.js";
import type { Vertex } from "../../src/planner/plan.js";
import { checkOrder } from "./order.js";
import { collect, exec, FakeRunner, MemoryCache, vertex } from "./fakes.js";

function randomDag(rand: () => number, n: number): Vertex[] {
  const out: Vertex[] = [];
  for (let i = 0; i < n; i++) {
    const inputs = out.length === 0 ? [] : [...new Set([0, 1, 2].slice(0, Math.floor(rand() * 3)).map(() => out[Math.floor(rand() * out.length)]!))];
    out.push(vertex(`v${i}`, exec(`step ${i}`), inputs));
  }
  return out;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

type Mode = "ok" | "fail" | "abort";

async function scenario(seed: number, mode: Mode): Promise<void> {
  const rand = mulberry32(seed);
  const vertices = randomDag(rand, 25);
  const byName = new Map(vertices.map((v) => [v.name, v]));
  const digestName = new Map(vertices.map((v) => [v.digest, v.name]));
  const jobs = 1 + Math.floor(rand() * 3);
  const runner = new FakeRunner();
  const finished = new Set<string>();
  const violations: string[] = [];
  const failing = mode === "fail" ? vertices[Math.floor(rand() * vertices.length)]!.name : undefined;
  for (const v of vertices) {
    const waits = Math.floor(rand() * 4);
    runner.behavior.set(v.name, async (ctx) => {
      for (const i of byName.get(v.name)!.inputs) if (!finished.has(digestName.get(i)!)) violations.push(`${v.name} started before ${digestName.get(i)}`);
      if (runner.running.size > jobs) violations.push(`${runner.running.size} ops running with jobs=${jobs}`);
      for (let w = 0; w < waits; w++) {
        await turn();
        ctx.signal.throwIfAborted();
        ctx.log("stdout", `${v.name} tick ${w}\n`);
      }
      if (v.name === failing) throw new Error(`${v.name} failed`);
      finished.add(v.name);
    });
  }
  const scheduler = new Scheduler({ runner, cache: new MemoryCache<string>(), jobs });
  const controller = new AbortController();
  const { events, onEvent } = collect();
  const done = scheduler.execute(vertices, { onEvent, signal: controller.signal });
  if (mode === "abort") for (let i = 0; i < 1 + Math.floor(rand() * 6); i++) await turn();
  if (mode === "abort") controller.abort();
  const outcome = await done.then(() => "ok", (e: unknown) => e);
  expect(runner.running.size).toBe(0);
  expect(violations).toEqual([]);
  checkOrder(events);
  if (mode === "ok") {
    expect(outcome).toBe("ok");
    expect(runner.execCount).toBe(vertices.length);
  } else if (mode === "fail") {
    expect(outcome).toBeInstanceOf(RunStepError);
    expect((outcome as RunStepError).step).toBe(failing);
  } else if (outcome !== "ok") {
    expect(outcome).toBeInstanceOf(BuildCanceledError);
  }
}

describe("Scheduler on random DAGs", () => {
  for (const mode of ["ok", "fail", "abort"] as const) {
    it(`keeps its invariants (${mode})`, async () => {
      for (let seed = 1; seed <= 25; seed++) await scenario(seed * 7919, mode);
    });
  }
});
