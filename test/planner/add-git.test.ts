// ADD of a git repository in the planner: one git source per ADD, credentials kept out of the
// history and the progress label, and bad git references reported at the word.
import { describe, expect, it } from "vitest";
import { mustPlan, planText } from "./helpers.js";

describe("ADD of a git repository", () => {
  it("lowers to a git source and redacts credentials in history and label", () => {
    const p = mustPlan("FROM busybox\nADD https://user:secret@127.0.0.1/repo.git#main /src\n");
    const copy = p.vertices.find((v) => v.op.kind === "copy");
    expect(copy?.op.kind === "copy" && copy.op.sources.map((s) => s.kind)).toEqual(["git"]);
    expect(p.image.history.at(-1)?.created_by).not.toContain("secret");
    expect(copy?.name).not.toContain("secret");
  });

  it("refuses a git source next to another source", () => {
    const r = planText("FROM busybox\nADD https://127.0.0.1/repo.git a.txt /src/\n");
    expect(r.plan).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.message])).toContainEqual(["InvalidGitSource", "ADD of a git repository takes exactly one source"]);
  });

  it("COPY never treats a word as a git source", () => {
    const p = mustPlan("FROM busybox\nCOPY repo.git /src/\n");
    const copy = p.vertices.find((v) => v.op.kind === "copy");
    expect(copy?.op.kind === "copy" && copy.op.sources).toEqual([{ kind: "path", path: "repo.git" }]);
  });
});
