// ARG and ENV scoping as the Dockerfile reference and BuildKit define it.
import { describe, expect, it } from "vitest";
import { envOf, execs, mustPlan, planText } from "./helpers.js";

describe("ENV", () => {
  it("expands every word of one instruction against the environment from before it", () => {
    const p = mustPlan("FROM busybox\nENV a=1\nENV a=2 b=$a\nRUN true\n");
    const env = envOf(execs(p)[0]!);
    expect(env.get("a")).toBe("2");
    expect(env.get("b")).toBe("1");
    expect(p.image.config.Env).toEqual(["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "a=2", "b=1"]);
  });

  it("replaces an inherited variable in place and writes BuildKit's history text", () => {
    const p = mustPlan('FROM busybox\nENV PATH=/opt/bin:$PATH GREETING="hello world"\n');
    expect(p.image.config.Env).toEqual(["PATH=/opt/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello world"]);
    expect(p.image.history.at(-1)).toEqual({
      created_by: "ENV PATH=/opt/bin:/usr/sbin:/usr/bin:/sbin:/bin GREETING=hello world",
      comment: "buildkit.dockerfile.v0",
      empty_layer: true,
    });
  });
});

describe("ARG", () => {
  it("global ARGs reach FROM but not the stage, unless redeclared without a value", () => {
    const text = "ARG BASE=busybox\nARG V=1\nFROM ${BASE}\nRUN echo a\nARG V\nRUN echo b\n";
    const p = mustPlan(text);
    const [first, second] = execs(p);
    expect(envOf(first!).has("V")).toBe(false);
    expect(envOf(second!).get("V")).toBe("1");
    expect(p.image.config.Env?.some((e) => e.startsWith("V="))).toBe(false);
  });

  it("a build arg overrides both global and stage defaults", () => {
    const p = mustPlan("ARG V=1\nFROM busybox\nARG V\nARG W=x\nRUN echo $V $W\n", {
      buildArgs: new Map([["V", "9"], ["W", "y"]]),
    });
    const env = envOf(execs(p)[0]!);
    expect(env.get("V")).toBe("9");
    expect(env.get("W")).toBe("y");
    expect(p.unusedBuildArgs).toEqual([]);
  });

  it("a stage ARG default is expanded against the stage environment", () => {
    const p = mustPlan("FROM busybox\nENV X=from-env\nARG A=${X}-suffix\nARG X=from-arg\nRUN true\n");
    const env = envOf(execs(p)[0]!);
    expect(env.get("A")).toBe("from-env-suffix");
    // `ARG X` after `ENV X`: BuildKit puts the ARG value in the RUN environment, while the image
    // config keeps the ENV value.
    expect(env.get("X")).toBe("from-arg");
    expect(p.image.config.Env).toContain("X=from-env");
  });

  it("records the stage ARGs in the RUN history line as BuildKit does", () => {
    const p = mustPlan("FROM busybox\nARG A=1\nARG B\nRUN echo hi\n");
    expect(p.image.history.at(-1)?.created_by).toBe("RUN |2 A=1 B= /bin/sh -c echo hi # buildkit");
  });

  it("reports build args that no stage declares, and they change nothing", () => {
    const base = mustPlan("FROM busybox\nRUN echo hi\n");
    const withUnused = planText("FROM busybox\nRUN echo hi\n", { buildArgs: new Map([["NOPE", "1"], ["HTTP_PROXY", "x"]]) });
    expect(withUnused.plan?.unusedBuildArgs).toEqual(["NOPE"]);
    expect(withUnused.plan?.root).toBe(base.root);
  });

  it("a used ARG value changes the RUN vertex", () => {
    const text = "FROM busybox\nARG V=1\nRUN echo hi\n";
    const a = mustPlan(text);
    const b = mustPlan(text, { buildArgs: new Map([["V", "2"]]) });
    expect(a.root).not.toBe(b.root);
  });

  it("predefined platform ARGs are global: TARGETARCH needs ARG inside the stage", () => {
    const p = mustPlan("FROM busybox\nRUN echo $TARGETARCH\nARG TARGETARCH\nARG TARGETPLATFORM\nRUN echo $TARGETARCH\n");
    const [a, b] = execs(p);
    expect(envOf(a!).has("TARGETARCH")).toBe(false);
    expect(envOf(b!).get("TARGETARCH")).toBe("amd64");
    expect(envOf(b!).get("TARGETPLATFORM")).toBe("linux/amd64");
  });

  it("ARG and ENV are inherited by a stage built FROM another stage, not by unrelated stages", () => {
    const text = "FROM busybox AS base\nARG A=1\nENV E=2\nFROM base AS child\nRUN true\nFROM busybox AS other\nRUN true\n";
    const child = mustPlan(text, { target: "child" });
    expect(envOf(execs(child)[0]!).get("A")).toBe("1");
    expect(envOf(execs(child)[0]!).get("E")).toBe("2");
    const other = mustPlan(text, { target: "other" });
    expect(envOf(execs(other)[0]!).has("A")).toBe(false);
  });
});
