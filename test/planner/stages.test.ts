// Stage graph, target pruning, COPY --from and ONBUILD.
import { describe, expect, it } from "vitest";
import { execs, fakeImage, mustPlan, planText } from "./helpers.js";
import { findCycle, reachable } from "../../src/planner/stages.js";
import type { CopyOp } from "../../src/planner/plan.js";

const MULTI = [
  "FROM busybox AS build",
  "RUN echo build > /out",
  "FROM alpine AS unused",
  "RUN echo never",
  "FROM busybox",
  "COPY --from=build /out /out",
  "",
].join("\n");

describe("stages", () => {
  it("plans only the stages the target needs", () => {
    const p = mustPlan(MULTI);
    const argv = execs(p).map((e) => e.argv.at(-1));
    expect(argv).toEqual(["echo build > /out"]);
    const copy = p.vertices.find((v) => v.op.kind === "copy")!;
    expect((copy.op as CopyOp).from).toBe("input");
    expect(copy.inputs[1]).toBe(p.vertices.find((v) => v.op.kind === "exec")!.digest);
    expect(p.target).toEqual({ index: 2, name: undefined });
  });

  it("selects a target by name, case-insensitively, and reports an unknown one", () => {
    expect(execs(mustPlan(MULTI, { target: "UNUSED" })).map((e) => e.argv.at(-1))).toEqual(["echo never"]);
    const r = planText(MULTI, { target: "nope" });
    expect(r.plan).toBeUndefined();
    expect(r.diagnostics[0]?.message).toContain('target stage "nope" could not be found (stages: build, unused)');
  });

  it("labels steps like BuildKit: [stage i/n]", () => {
    const p = mustPlan(MULTI);
    expect(p.vertices.map((v) => v.name)).toContain("[build 2/2] RUN echo build > /out");
    expect(p.vertices.map((v) => v.name)).toContain("[stage-2 2/2] COPY --from=build /out /out");
  });

  it("refuses COPY --from a stage defined later", () => {
    const r = planText("FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nRUN true\n", { target: "a" });
    expect(r.plan).toBeUndefined();
    expect(r.diagnostics.map((d) => d.message).join("\n")).toContain('cannot copy from stage "b", it needs to be defined before current stage "a"');
  });

  it("treats --from that names no stage as an image, and needs it resolved", () => {
    const p = mustPlan("FROM busybox\nCOPY --from=alpine /etc/os-release /\n");
    const copy = p.vertices.find((v) => v.op.kind === "copy")!;
    const src = p.vertices.find((v) => v.digest === copy.inputs[1]);
    expect(src?.op).toMatchObject({ kind: "image", ref: "docker.io/library/alpine:latest" });
  });

  it("a FROM naming a later stage is an image reference", () => {
    const r = planText("FROM later\nRUN true\nFROM busybox AS later\n", { target: undefined });
    expect(r.plan).toBeDefined();
    const withTarget = planText("FROM later AS first\nRUN true\nFROM busybox AS later\n", { target: "first" });
    expect(withTarget.diagnostics.map((d) => d.message).join()).toContain('image "later" was not resolved');
  });

  it("runs a base stage's ONBUILD triggers after FROM, once, and clears them", () => {
    const text = "FROM busybox AS base\nONBUILD RUN echo triggered\nFROM base AS child\nRUN echo child\nFROM child\nRUN echo grandchild\n";
    const p = mustPlan(text);
    expect(execs(p).map((e) => e.argv.at(-1))).toEqual(["echo triggered", "echo child", "echo grandchild"]);
    expect(p.image.config.OnBuild).toBeUndefined();
    const base = mustPlan(text, { target: "base" });
    expect(base.image.config.OnBuild).toEqual(["RUN echo triggered"]);
  });

  it("runs ONBUILD triggers of a base image", async () => {
    const { parse } = await import("../../src/parser/index.js");
    const trigger = parse("RUN echo from-image\n", { file: "trigger" }).ast.instructions[0]!;
    const images = new Map([["busybox", fakeImage("busybox:latest", { onbuild: [trigger], config: { Env: [], OnBuild: ["RUN echo from-image"] } })]]);
    const p = mustPlan("FROM busybox\nRUN echo mine\n", { images });
    expect(execs(p).map((e) => e.argv.at(-1))).toEqual(["echo from-image", "echo mine"]);
    expect(p.image.config.OnBuild).toBeUndefined();
  });

  it("finds cycles and reachable sets without recursion", () => {
    expect(findCycle([[1], [2], [0]])).toEqual([0, 1, 2, 0]);
    expect(findCycle([[], [0], [0, 1]])).toBeUndefined();
    const chain = Array.from({ length: 100_000 }, (_, i) => (i === 0 ? [] : [i - 1]));
    expect(findCycle(chain)).toBeUndefined();
    expect(reachable(chain, 99_999)).toHaveLength(100_000);
  });

  it("FROM scratch starts empty with BuildKit's default config", () => {
    const p = mustPlan("FROM scratch\nCOPY a /a\n");
    expect(p.vertices[0]?.op).toEqual({ kind: "scratch" });
    expect(p.image.config).toMatchObject({ Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], WorkingDir: "/" });
    expect(p.image.history).toEqual([{ created_by: "COPY a /a # buildkit", comment: "buildkit.dockerfile.v0" }]);
  });

  it("expands FROM with global ARGs and rejects a blank base or another platform", () => {
    expect(planText("ARG IMG\nFROM ${IMG}\n").diagnostics[0]?.message).toBe("base name (${IMG}) should not be blank");
    const r = planText("FROM --platform=linux/arm64 busybox\n");
    expect(r.diagnostics[0]?.message).toContain("building for linux/arm64 is not supported");
    expect(planText("FROM --platform=$BUILDPLATFORM busybox\n").plan).toBeDefined();
  });
});
