// The tty progress view (ink) on recorded event streams, through ink-testing-library: running,
// cached, failed and pull-progress frames, and a 40-column terminal that must not wrap lines.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { RunStepError, type BuildEvent, type BuildResult } from "../../src/api/index.js";
import type { BuildOutcome } from "../../src/cli/progress/format.js";
import { ProgressView } from "../../src/cli/progress/tty.js";
import { applyEvent, createTtyState, type TtyState } from "../../src/cli/progress/tty-state.js";

const DIR = resolve(import.meta.dirname, "../../fixtures/progress");

function load(name: string): { events: BuildEvent[]; end: Record<string, unknown> } {
  const lines = readFileSync(join(DIR, `${name}.jsonl`), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const end = lines.pop()!;
  return { events: lines as unknown as BuildEvent[], end };
}

/** fold applies the first `n` events (all by default) and returns the state and the last event time. */
function fold(events: readonly BuildEvent[], n = events.length): { state: TtyState; now: number; start: number } {
  const state = createTtyState();
  const times = events.map((e) => ("time" in e ? e.time : "completed" in e ? e.completed : "started" in e ? e.started : 0) ?? 0).filter((t) => t > 0);
  for (const e of events.slice(0, n)) applyEvent(state, e);
  const now = Math.max(...times.slice(0, Math.max(1, n)));
  return { state, now, start: Math.min(...times) };
}

async function frame(props: { state: TtyState; now: number; start: number }, width = 100, outcome?: BuildOutcome): Promise<string> {
  const r = render(<ProgressView {...props} width={width} outcome={outcome} />);
  // React 19 commits asynchronously; let it settle before reading the frame.
  await new Promise((res) => setTimeout(res, 20));
  // In debug mode (which ink-testing-library uses) each frame holds the Static output too.
  const text = stripVTControlCharacters(r.lastFrame() ?? "");
  r.unmount();
  return text;
}

describe("tty progress view", () => {
  it("shows a running step with its elapsed time and the last lines of its output", async () => {
    const { events } = load("multi-stage");
    const at = events.findIndex((e) => e.type === "log" && e.data.includes("test 2")) + 1;
    const text = await frame(fold(events, at));
    expect(text).toMatch(/\[\+\] Building \d+\.\ds \(\d+\/7\)/);
    expect(text).toMatch(/ => \[test 2\/2\] RUN for i in 1 2 3; do echo test \$i; sleep 0\.1; done\s+\d+\.\ds/);
    expect(text).toContain(" => => # test 1");
    expect(text).toContain(" => => # test 2");
    expect(text).toMatch(/ => FROM docker\.io\/library\/busybox.* 0\.\ds/);
    expect(text).not.toContain("FINISHED");
  });

  it("marks cached steps and ends with FINISHED and the summary", async () => {
    const { events, end } = load("cached");
    const text = await frame(fold(events), 100, { ok: true, result: end.result as BuildResult });
    expect(text.match(/ => CACHED \[/g)?.length).toBe(6);
    expect(text).toMatch(/\[\+\] Building \d+\.\ds \(7\/7\) FINISHED/);
    expect(text).toContain("#* tagged app:dev");
  });

  it("shows a failed step with ERROR, the code frame and the step's last output lines", async () => {
    const { events, end } = load("failed");
    const e = end.error as { step: string; file: string; range: never; exitCode: number; lastLines: string[]; cause: string };
    const error = new RunStepError({ step: e.step, vertex: "", file: e.file, range: e.range, exitCode: e.exitCode, lastLines: e.lastLines, cause: new Error(e.cause) });
    const text = await frame(fold(events), 100, { ok: false, error, dockerfileText: end.dockerfile as string });
    expect(text).toMatch(/ => ERROR \[3\/4\] RUN echo about to fail/);
    expect(text).toMatch(/ => CANCELED \[4\/4\] RUN echo never/);
    expect(text).toContain("ERROR");
    expect(text).toContain("3 | RUN echo about to fail");
    expect(text).toContain("  no such thing");
    expect(text).toContain("ERROR: failed to solve: process");
  });

  it("draws byte progress bars for a pull", async () => {
    const { events } = load("pull-progress");
    const at = events.findIndex((e) => e.type === "progress" && e.current === 1700000) + 1;
    const text = await frame(fold(events, at));
    expect(text).toContain(" => [1/2] FROM docker.io/library/alpine:3.20");
    expect(text).toContain(" => => [==========          ] sha256:aaaa 1.70MB / 3.40MB");
  });

  it("moves steps into the static region as they finish across redraws", async () => {
    const { events } = load("multi-stage");
    const state = createTtyState();
    const start = (events[0] as { time: number }).time;
    const r = render(<ProgressView state={state} now={start} start={start} width={100} />);
    for (const e of events) {
      applyEvent(state, e);
      r.rerender(<ProgressView state={state} now={start + 1000} start={start} width={100} />);
      await new Promise((res) => setTimeout(res, 1));
    }
    await new Promise((res) => setTimeout(res, 20));
    const text = stripVTControlCharacters(r.lastFrame() ?? "");
    r.unmount();
    expect(text.match(/^ => \[/gm)?.length).toBe(6);
    expect(text).toMatch(/^ => FROM docker\.io/m);
    expect(text).toContain("(7/7)");
  });

  it("keeps every line within a 40-column terminal", async () => {
    for (const name of ["multi-stage", "failed", "pull-progress"]) {
      const { events } = load(name);
      for (const n of [3, Math.floor(events.length / 2), events.length]) {
        const text = await frame(fold(events, n), 40);
        for (const line of text.split("\n")) expect(line.length, `${name}@${n}: ${line}`).toBeLessThanOrEqual(40);
        expect(text).toContain("[+] Building");
      }
    }
  });
});
