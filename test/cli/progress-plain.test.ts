// The plain and json progress renderers on recorded event streams (fixtures/progress/*.jsonl, one
// BuildEvent per line, then one line with the build's `result` or `error`). The plain output is
// golden-tested (*.golden; UPDATE_GOLDEN=1 rewrites) and must never contain escape sequences.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BuildCanceledError, DockerfileSyntaxError, RunStepError, type BuildEvent, type BuildResult, type Diagnostic, type SourceRange } from "../../src/api/index.js";
import type { BuildOutcome } from "../../src/cli/progress/format.js";
import { JsonRenderer } from "../../src/cli/progress/json.js";
import { PlainRenderer } from "../../src/cli/progress/plain.js";

const DIR = resolve(import.meta.dirname, "../../fixtures/progress");

interface RecordedError {
  name: string;
  message: string;
  diagnostics?: Diagnostic[];
  step?: string;
  file?: string;
  range?: SourceRange;
  exitCode?: number;
  lastLines?: string[];
  cause?: string;
}

/** revive turns a recorded error back into the typed error the API throws. */
function revive(e: RecordedError): Error {
  if (e.name === "DockerfileSyntaxError") return new DockerfileSyntaxError(e.diagnostics ?? []);
  if (e.name === "BuildCanceledError") return new BuildCanceledError(e.message.replace(/^build canceled: /, ""));
  if (e.name === "RunStepError") {
    return new RunStepError({ step: e.step ?? "", vertex: "", file: e.file, range: e.range, exitCode: e.exitCode, lastLines: e.lastLines ?? [], cause: new Error(e.cause) });
  }
  return new Error(e.message);
}

function load(name: string): { events: BuildEvent[]; outcome: BuildOutcome } {
  const lines = readFileSync(join(DIR, `${name}.jsonl`), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const end = lines.pop() as { result?: BuildResult; error?: RecordedError; dockerfile?: string };
  const outcome: BuildOutcome = end.result ? { ok: true, result: end.result } : { ok: false, error: revive(end.error!), dockerfileText: end.dockerfile };
  return { events: lines as unknown as BuildEvent[], outcome };
}

function renderPlain(name: string): string {
  const { events, outcome } = load(name);
  const out: string[] = [];
  const r = new PlainRenderer((l) => out.push(l));
  for (const e of events) r.onEvent(e);
  r.finish(outcome);
  return out.join("\n") + "\n";
}

const cases = readdirSync(DIR).filter((f) => f.endsWith(".jsonl")).map((f) => f.slice(0, -".jsonl".length)).sort();

describe("plain progress renderer", () => {
  it("has recorded streams to render", () => {
    expect(cases).toEqual(expect.arrayContaining(["cached", "canceled", "failed", "multi-stage", "pull-progress", "syntax"]));
  });

  it.each(cases)("%s matches its golden output and has no escape sequences", (name) => {
    const text = renderPlain(name);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const golden = join(DIR, `${name}.golden`);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, text);
    else if (!existsSync(golden)) throw new Error(`golden file ${golden} is missing: run with UPDATE_GOLDEN=1 and review it`);
    expect(text).toBe(readFileSync(golden, "utf8"));
  });

  it("announces every step that ran or was cached, then ends it exactly once", () => {
    for (const name of cases) {
      const { events } = load(name);
      const text = renderPlain(name);
      for (const e of events) {
        if (e.type !== "vertex" || e.status === "queued" || e.status === "running") continue;
        const n = new RegExp(`^#(\\d+) ${e.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m").exec(text)?.[1];
        expect(n, `${name}: ${e.name}`).toBeDefined();
        const ends = text.split("\n").filter((l) => new RegExp(`^#${n} (DONE \\d+\\.\\d+s|CACHED|ERROR: .*|CANCELED)$`).test(l));
        expect(ends, `${name}: ${e.name}`).toHaveLength(1);
      }
    }
  });

  it("keeps CACHED at the end of the cached steps' lines only", () => {
    const text = renderPlain("cached");
    const { events } = load("cached");
    const cached = events.filter((e) => e.type === "vertex" && e.status === "cached").length;
    expect(cached).toBeGreaterThan(0);
    expect(text.split("\n").filter((l) => l.endsWith("CACHED"))).toHaveLength(cached);
  });

  it("re-prints byte progress only after 5 % or 5 s, and always its completion", () => {
    const lines = renderPlain("pull-progress").split("\n").filter((l) => l.includes("sha256:aaaa:"));
    expect(lines).toEqual(["#1 sha256:aaaa: 0B / 3.40MB", "#1 sha256:aaaa: 1.70MB / 3.40MB", "#1 sha256:aaaa: 1.75MB / 3.40MB", "#1 sha256:aaaa: 3.40MB / 3.40MB done"]);
  });
});

describe("json progress renderer", () => {
  it("writes one parseable event per line, then the outcome", () => {
    for (const name of cases) {
      const { events, outcome } = load(name);
      const out: string[] = [];
      const r = new JsonRenderer((l) => out.push(l));
      for (const e of events) r.onEvent(e);
      r.finish(outcome);
      expect(out).toHaveLength(events.length + 1);
      expect(out.slice(0, -1).map((l) => JSON.parse(l))).toEqual(events);
      const last = JSON.parse(out.at(-1)!) as { type: string; error?: { name: string; code: string } };
      expect(last.type).toBe(outcome.ok ? "result" : "failure");
      if (!outcome.ok) expect(last.error?.name).toBe((outcome.error as Error).name);
    }
  });
});
