// checkOrder asserts the event contract of one build: per vertex `queued` first, `running` at
// most once and before `done`, exactly one terminal status and nothing about the vertex after it.
import { expect } from "vitest";
import type { Digest } from "../../src/core/digest.js";
import type { BuildEvent } from "../../src/core/events.js";

const NEXT: Record<string, readonly string[]> = {
  none: ["queued"],
  queued: ["running", "cached", "error", "canceled"],
  running: ["done", "error", "canceled"],
};

export function checkOrder(events: readonly BuildEvent[]): void {
  const state = new Map<Digest, string>();
  const problems: string[] = [];
  for (const e of events) {
    if (e.type === "vertex") {
      const now = state.get(e.vertex) ?? "none";
      if (!(NEXT[now] ?? []).includes(e.status)) problems.push(`${e.name}: ${now} -> ${e.status}`);
      state.set(e.vertex, e.status);
    } else if ((e.type === "log" || e.type === "progress") && e.vertex !== undefined && state.get(e.vertex) !== "running") {
      problems.push(`${e.type} for ${e.vertex} while ${state.get(e.vertex) ?? "unknown"}`);
    }
  }
  for (const [v, s] of state) if (s === "queued" || s === "running") problems.push(`${v} never finished (${s})`);
  expect(problems).toEqual([]);
}
