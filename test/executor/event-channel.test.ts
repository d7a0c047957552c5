import { describe, expect, it } from "vitest";
import { EventChannel } from "../../src/core/event-channel.js";
import { Scheduler } from "../../src/executor/index.js";
import { exec, FakeRunner, MemoryCache, vertex } from "./fakes.js";

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("EventChannel", () => {
  it("delivers buffered and later events in order, then ends", async () => {
    const ch = new EventChannel<number>();
    ch.push(1);
    const all = drain(ch);
    ch.push(2);
    await new Promise((r) => setImmediate(r));
    ch.push(3);
    ch.close();
    ch.push(4);
    expect(await all).toEqual([1, 2, 3]);
  });

  it("throws the close error after the buffered events", async () => {
    const ch = new EventChannel<string>();
    ch.push("a");
    ch.close(new Error("boom"));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const x of ch) seen.push(x);
      })(),
    ).rejects.toThrow("boom");
    expect(seen).toEqual(["a"]);
    expect(() => ch[Symbol.asyncIterator]()).toThrow(/one consumer/);
  });

  it("wakes a waiting consumer with the close error", async () => {
    const ch = new EventChannel<string>();
    const all = drain(ch);
    await new Promise((r) => setImmediate(r));
    ch.close(new Error("late"));
    await expect(all).rejects.toThrow("late");
  });

  it("carries a build's events as an async iterable", async () => {
    const scheduler = new Scheduler({ runner: new FakeRunner(), cache: new MemoryCache<string>(), jobs: 1 });
    const ch = new EventChannel<import("../../src/core/events.js").BuildEvent>();
    const v = vertex("RUN a", exec("a"));
    const done = scheduler.execute([v], { onEvent: ch.push }).finally(() => ch.close());
    const events = await drain(ch);
    await done;
    expect(events.map((e) => (e.type === "vertex" ? e.status : e.type))).toEqual(["queued", "running", "done"]);
  });
});
