// ARG scoping shared by the planner and the linter (src/parser/arg-scope.ts), one case per line.
import { describe, expect, it } from "vitest";
import { automaticArgs, dispatchArg, evalMetaArgs, splitStages, type ExpandDefault } from "../src/parser/arg-scope.js";
import type { ArgInstruction } from "../src/parser/ast.js";
import { parse } from "../src/parser/index.js";
import { processWord } from "../src/parser/shell/index.js";

const expand: ExpandDefault = (value, env) => {
  const r = processWord(value.value, env);
  return r.ok ? r.value : undefined;
};

/** args parses `text` and returns its ARG instructions, meta and stage ones alike. */
function args(text: string): ArgInstruction[] {
  return parse(text).ast.instructions.filter((i): i is ArgInstruction => i.kind === "ARG");
}

const AMD64 = { os: "linux", architecture: "amd64", variant: undefined };

describe("splitStages", () => {
  it("keeps ARGs before the first FROM as meta ARGs and lower-cases stage names", () => {
    const { metaArgs, stages } = splitStages(parse("ARG A=1\nFROM x AS Build\nARG B\nRUN true\nFROM build\n").ast);
    expect(metaArgs.map((a) => a.decls[0]?.name.value)).toEqual(["A"]);
    expect(stages.map((s) => [s.index, s.name, s.instructions.map((i) => i.kind)])).toEqual([
      [0, "build", ["ARG", "RUN"]],
      [1, undefined, []],
    ]);
  });
});

describe("automaticArgs", () => {
  it("describes the build and target platforms and the target stage", () => {
    const m = automaticArgs(AMD64, { os: "linux", architecture: "arm64", variant: "v8" }, "app");
    expect(Object.fromEntries(m)).toEqual({
      BUILDPLATFORM: "linux/amd64", BUILDOS: "linux", BUILDOSVERSION: "", BUILDARCH: "amd64", BUILDVARIANT: "",
      TARGETPLATFORM: "linux/arm64/v8", TARGETOS: "linux", TARGETOSVERSION: "", TARGETARCH: "arm64", TARGETVARIANT: "v8",
      TARGETSTAGE: "app",
    });
  });
});

describe("evalMetaArgs", () => {
  const cases: [name: string, text: string, buildArgs: Record<string, string>, want: Record<string, string>, used: string[]][] = [
    ["a default sees earlier meta ARGs", "ARG A=1\nARG B=${A}2\nFROM x\n", {}, { A: "1", B: "12" }, []],
    ["a build arg replaces a default", "ARG A=1\nARG B=${A}2\nFROM x\n", { A: "9" }, { A: "9", B: "92" }, ["A"]],
    ["a name without default takes only a build arg", "ARG A\nFROM x\n", { A: "v" }, { A: "v" }, ["A"]],
    ["a name without default or build arg has no value", "ARG A\nFROM x\n", {}, {}, []],
    ["a build arg replaces an automatic ARG", "FROM x\n", { TARGETARCH: "riscv64" }, { TARGETARCH: "riscv64" }, ["TARGETARCH"]],
    ["a default sees the automatic ARGs", "ARG P=on-$TARGETOS\nFROM x\n", {}, { P: "on-linux" }, []],
    ["an unknown build arg is not used", "ARG A=1\nFROM x\n", { B: "2" }, { A: "1" }, []],
  ];
  it.each(cases)("%s", (_name, text, buildArgs, want, used) => {
    const auto = automaticArgs(AMD64, AMD64, "default");
    const r = evalMetaArgs(splitStages(parse(text).ast).metaArgs, auto, new Map(Object.entries(buildArgs)), expand);
    const own = Object.fromEntries([...r.values].filter(([k, v]) => !auto.has(k) || auto.get(k) !== v));
    expect(own).toEqual(want);
    expect([...r.usedBuildArgs]).toEqual(used);
  });

  it("names every meta ARG, with or without a value", () => {
    const r = evalMetaArgs(args("ARG A B=1\nFROM x\n"), new Map(), new Map(), expand);
    expect([...r.names]).toEqual(["A", "B"]);
  });
});

describe("dispatchArg", () => {
  const cases: [name: string, arg: string, env: Record<string, string>, buildArgs: Record<string, string>, globals: Record<string, string>, want: Record<string, string>][] = [
    ["a default expands against the stage env", "ARG B=${A}x", { A: "a" }, {}, {}, { A: "a", B: "ax" }],
    ["each default sees the declarations before it", "ARG A=1 B=${A}2", {}, {}, {}, { A: "1", B: "12" }],
    ["a build arg wins over the default", "ARG A=1", {}, { A: "b" }, {}, { A: "b" }],
    ["a bare name brings the global value in", "ARG G", {}, {}, { G: "g" }, { G: "g" }],
    ["a default wins over the global value", "ARG G=d", {}, {}, { G: "g" }, { G: "d" }],
    ["a bare name without build arg or global stays out of env", "ARG N", {}, {}, {}, {}],
    ["BuildKit's SBOM ARGs never enter env", "ARG BUILDKIT_SBOM_SCAN_STAGE=true", {}, {}, {}, {}],
  ];
  it.each(cases)("%s", (_name, arg, env, buildArgs, globals, want) => {
    const [ins] = args(`FROM x\n${arg}\n`);
    const e = new Map(Object.entries(env));
    const declared = new Set<string>();
    dispatchArg(ins!, e, { buildArgs: new Map(Object.entries(buildArgs)), globals: new Map(Object.entries(globals)), expand }, declared);
    expect(Object.fromEntries(e)).toEqual(want);
    expect([...declared]).toEqual(ins!.decls.map((d) => d.name.value));
  });

  it("returns one binding per declaration, marking build args", () => {
    const [ins] = args("FROM x\nARG A=1 B N\n");
    const scope = { buildArgs: new Map([["B", "b"]]), globals: new Map<string, string>(), expand };
    expect(dispatchArg(ins!, new Map(), scope)).toEqual([
      { key: "A", value: "1", fromBuildArg: false },
      { key: "B", value: "b", fromBuildArg: true },
      { key: "N", value: undefined, fromBuildArg: false },
    ]);
  });
});
