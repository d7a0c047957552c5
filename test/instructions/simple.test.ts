import { describe, expect, it } from "vitest";
import { lower, lowerAs, messages } from "../helpers/lower.js";
import { lowerInstruction } from "../../src/parser/instructions/index.js";
import { CTX, rangeOf, rawOf } from "../helpers/raw.js";

describe("ENV and LABEL", () => {
  it("build pairs from = triples, values raw", () => {
    const line = "ENV a=1 b='x'";
    const { ins, diags } = lowerAs("ENV", line);
    expect(diags).toEqual([]);
    expect(ins.pairs.map((p) => [p.key.value, p.value.value, p.legacy])).toEqual([
      ["a", "1", false],
      ["b", "'x'", false],
    ]);
    expect(ins.pairs[0]?.range).toEqual(rangeOf(line, "a=1"));
  });

  it("marks the legacy form", () => {
    const { ins } = lowerAs("LABEL", "LABEL maintainer some one");
    expect(ins.pairs.map((p) => [p.key.value, p.value.value, p.legacy])).toEqual([["maintainer", "some one", true]]);
  });

  it("reject blank names and flags", () => {
    const line = "ENV =x";
    expect(lowerAs("ENV", line).diags).toMatchObject([{ code: "BlankName", message: "ENV names can not be blank", range: rangeOf(line, "=x") }]);
    expect(messages("LABEL =x")).toEqual(["LABEL names can not be blank"]);
    expect(messages("ENV --x a=b")).toEqual(["unknown flag: --x"]);
    expect(messages("LABEL")).toEqual(["LABEL requires at least one argument"]);
  });
});

describe("ARG", () => {
  it("splits each word at its first =", () => {
    const line = "ARG A B=1 C= D=x=y";
    const { ins, diags } = lowerAs("ARG", line);
    expect(diags).toEqual([]);
    expect(ins.decls.map((d) => [d.name.value, d.defaultValue?.value])).toEqual([
      ["A", undefined],
      ["B", "1"],
      ["C", ""],
      ["D", "x=y"],
    ]);
    expect(ins.decls[1]?.name.range).toEqual(rangeOf(line, "B"));
    expect(ins.decls[1]?.defaultValue?.range).toEqual(rangeOf(line, "1"));
    expect(ins.decls[3]?.range).toEqual(rangeOf(line, "D=x=y"));
  });

  it("rejects a blank name at the word, keeping the other declarations", () => {
    const line = "ARG A =v";
    const { ins, diags } = lowerAs("ARG", line);
    expect(diags).toMatchObject([{ code: "BlankName", message: "ARG names can not be blank", range: rangeOf(line, "=v") }]);
    expect(ins.decls.map((d) => d.name.value)).toEqual(["A"]);
  });

  it("needs an argument but ignores flags (BuildKit never parses ARG flags)", () => {
    expect(messages("ARG")).toEqual(["ARG requires at least one argument"]);
    expect(messages("ARG --anything=1 A")).toEqual([]);
  });
});

describe("one-argument instructions", () => {
  it.each([
    ["USER", "user"],
    ["WORKDIR", "path"],
    ["STOPSIGNAL", "signal"],
    ["MAINTAINER", "name"],
  ] as const)("%s keeps the whole rest as its argument", (kw, field) => {
    const line = `${kw} a b "c"`;
    const { ins, diags } = lower(line);
    expect(diags).toEqual([]);
    expect((ins as unknown as Record<string, unknown>)[field]).toEqual({ value: 'a b "c"', range: rangeOf(line, 'a b "c"') });
  });

  it.each(["USER", "WORKDIR", "STOPSIGNAL", "MAINTAINER"])("%s requires exactly one argument, at the keyword when missing", (kw) => {
    expect(lower(kw).diags).toMatchObject([{ code: "ArgumentCount", message: `${kw} requires exactly one argument`, range: rangeOf(kw, kw) }]);
  });

  it("checks flags except on STOPSIGNAL", () => {
    expect(messages("USER --x app")).toEqual(["unknown flag: --x"]);
    expect(messages("WORKDIR --x /a")).toEqual(["unknown flag: --x"]);
    expect(messages("MAINTAINER --boo joe@example.com")).toEqual(["unknown flag: --boo"]);
    expect(messages("STOPSIGNAL --anything SIGTERM")).toEqual([]);
  });
});

describe("EXPOSE and VOLUME", () => {
  it("EXPOSE keeps each port word", () => {
    const { ins, diags } = lowerAs("EXPOSE", "EXPOSE 80/tcp 53/udp $PORT");
    expect(diags).toEqual([]);
    expect(ins.ports.map((w) => w.value)).toEqual(["80/tcp", "53/udp", "$PORT"]);
    expect(messages("EXPOSE")).toEqual(["EXPOSE requires at least one argument"]);
  });

  it("VOLUME takes a list or JSON, rejecting empty strings at the element", () => {
    expect(lowerAs("VOLUME", "VOLUME /a /b").ins.paths.map((w) => w.value)).toEqual(["/a", "/b"]);
    const line = 'VOLUME ["/a", ""]';
    const { ins, diags } = lowerAs("VOLUME", line);
    expect(diags).toMatchObject([{ code: "EmptyVolume", message: "VOLUME specified can not be an empty string", range: rangeOf(line, '""') }]);
    expect(ins.paths.map((w) => w.value)).toEqual(["/a"]);
    expect(messages("VOLUME")).toEqual(["VOLUME requires at least one argument"]);
  });
});

describe("unknown instructions", () => {
  it("become UNKNOWN with an error at the keyword and a suggestion in the keyword's case", () => {
    const line = "RUNN echo";
    const { ins, diags } = lower(line);
    expect(ins.kind).toBe("UNKNOWN");
    expect(ins.keyword).toBe("RUNN");
    expect(diags).toMatchObject([{ code: "UnknownInstruction", message: "unknown instruction: RUNN (did you mean RUN?)", range: rangeOf(line, "RUNN") }]);
    expect(messages("copi a b")).toEqual(["unknown instruction: copi (did you mean copy?)"]);
    expect(messages("BADCMD x")).toEqual(["unknown instruction: BADCMD"]);
  });

  it("stay silent when layer 1 found no keyword (it reported the line already)", () => {
    const raw = { ...rawOf("X"), keyword: "" };
    const r = lowerInstruction(raw, CTX);
    expect(r.instruction.kind).toBe("UNKNOWN");
    expect(r.diagnostics).toEqual([]);
  });

  it("recognizes keywords in any case", () => {
    expect(lower("from alpine").ins.kind).toBe("FROM");
    expect(lower("Run true").ins.kind).toBe("RUN");
  });
});
