// The build checks: every rule fires on a bad file and stays quiet on a good one; check options.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDockerignore } from "../src/core/dockerignore.js";
import { RULE_NAMES, RULES, lint, parseCheckOptions, type LintOptions } from "../src/parser/lint/index.js";
import { parseDockerfile } from "./lint/parse-helper.js";

function run(text: string, opts: LintOptions = {}): { code: string; line: number; severity: string; message: string }[] {
  const { ast, diagnostics } = parseDockerfile(text);
  return lint(ast, { ...opts, parserDiagnostics: diagnostics }).map((d) => ({
    code: d.code,
    line: d.range.start.line,
    severity: d.severity,
    message: d.message,
  }));
}

function codes(text: string, opts: LintOptions = {}): string[] {
  return run(text, opts).map((d) => d.code);
}

const ignore = (text: string): LintOptions => ({ dockerignore: parseDockerignore(text).matcher });

// [rule, fires, stays quiet, options]
const CASES: readonly (readonly [string, string, string, LintOptions?])[] = [
  ["StageNameCasing", "FROM alpine AS Build\n", "FROM alpine AS build\n"],
  ["FromAsCasing", "FROM alpine as build\n", "from alpine as build\n"],
  ["NoEmptyContinuation", "FROM alpine\nRUN echo a \\\n\n  b\n", "FROM alpine\nRUN echo a \\\n  b\n"],
  ["ConsistentInstructionCasing", "FROM alpine\nRUN a\nrun b\nRUN c\n", "from alpine\nrun a\n"],
  ["DuplicateStageName", "FROM alpine AS a\nFROM alpine AS A\n", "FROM alpine AS a\nFROM alpine AS b\n"],
  ["ReservedStageName", "FROM alpine AS scratch\n", "FROM alpine AS scratchpad\n"],
  ["JSONArgsRecommended", "FROM alpine\nENTRYPOINT run.sh\n", "FROM alpine\nSHELL [\"/bin/bash\", \"-c\"]\nENTRYPOINT run.sh\n"],
  ["MaintainerDeprecated", "FROM alpine\nMAINTAINER me\n", "FROM alpine\nLABEL org.opencontainers.image.authors=me\n"],
  ["UndefinedArgInFrom", "FROM alpine:$VERSON\n", "ARG VERSION=3\nFROM alpine:$VERSION\n"],
  ["WorkdirRelativePath", "FROM alpine\nWORKDIR app\n", "FROM alpine AS base\nWORKDIR /app\nFROM base\nWORKDIR app\n"],
  ["UndefinedVar", "FROM alpine\nCOPY $SRC /x\n", "FROM alpine\nARG SRC\nCOPY $SRC /x\n"],
  ["MultipleInstructionsDisallowed", "FROM alpine\nCMD [\"a\"]\nCMD [\"b\"]\n", "FROM alpine\nCMD [\"a\"]\nFROM alpine\nCMD [\"b\"]\n"],
  ["LegacyKeyValueFormat", "FROM alpine\nLABEL k v\n", "FROM alpine\nLABEL k=v\n"],
  ["InvalidDefaultArgInFrom", "ARG TAG\nFROM busybox:${TAG}\n", "ARG TAG=latest\nFROM busybox:${TAG}\n"],
  ["FromPlatformFlagConstDisallowed", "FROM --platform=linux/arm64 alpine AS build\n", "FROM --platform=linux/arm64 alpine AS build_arm64\n"],
  ["SecretsUsedInArgOrEnv", "FROM alpine\nENV GITHUB_TOKEN=x\n", "FROM alpine\nENV PUBLIC_KEY=x TOKENIZER=y\n"],
  ["RedundantTargetPlatform", "FROM --platform=$TARGETPLATFORM alpine\n", "FROM --platform=$BUILDPLATFORM alpine\n"],
  ["InvalidDefinitionDescription", "# check=experimental=all\nFROM alpine\n# the builder\nARG name\n", "# check=experimental=all\nFROM alpine\n# name is the user\nARG name\n"],
  ["ExposeProtoCasing", "FROM alpine\nEXPOSE 53/UDP\n", "FROM alpine\nEXPOSE 53/udp\n"],
  ["ExposeInvalidFormat", "FROM alpine\nEXPOSE 8080:80\n", "FROM alpine\nEXPOSE 80\n"],
  ["CopyIgnoredFile", "FROM alpine\nCOPY secret/key.pem /k\n", "FROM alpine\nCOPY src /src\n", ignore("secret\n")],
];

describe("every catalog rule has a firing and a quiet case", () => {
  it("covers the whole catalog", () => {
    expect(new Set(CASES.map((c) => c[0]))).toEqual(new Set(RULE_NAMES));
  });

  it.each(CASES.map(([rule, bad, good, opts]) => ({ rule, bad, good, opts })))("$rule", ({ rule, bad, good, opts }) => {
    expect(codes(bad, opts)).toContain(rule);
    expect(codes(good, opts)).not.toContain(rule);
  });
});

describe("rule details", () => {
  it("UndefinedVar suggests a near name and respects ENV order within a stage chain", () => {
    const out = run("FROM alpine AS base\nENV PATH=$PAHT:/x\nENV A=1\nFROM base\nENV B=$A\nLABEL c=$B$C\n");
    expect(out.filter((d) => d.code === "UndefinedVar").map((d) => [d.line, d.message])).toEqual([
      [2, "Usage of undefined variable '$PAHT' (did you mean $PATH?)"],
      [6, "Usage of undefined variable '$C' (did you mean $A?)"],
    ]);
  });

  it("UndefinedVar: global ARGs need a re-declaration inside the stage; ARG defaults see earlier ones", () => {
    expect(codes("ARG V=1\nFROM alpine\nENV X=$V\n")).toContain("UndefinedVar");
    expect(codes("ARG V=1\nFROM alpine\nARG V\nENV X=$V\n")).not.toContain("UndefinedVar");
    expect(codes("FROM alpine\nARG A=1 B=$A\n")).not.toContain("UndefinedVar");
    expect(codes("FROM alpine\nARG B=$A A=1\n")).toContain("UndefinedVar");
  });

  it("UndefinedVar skips shell-form RUN/CMD and checks heredoc bodies that expand", () => {
    expect(codes("FROM alpine\nRUN echo $X\nCMD echo $Y\n")).not.toContain("UndefinedVar");
    expect(codes("FROM alpine\nCOPY <<EOF /f\n$Z\nEOF\n")).toContain("UndefinedVar");
    expect(codes("FROM alpine\nCOPY <<'EOF' /f\n$Z\nEOF\n")).not.toContain("UndefinedVar");
  });

  it("UndefinedVar uses the base image environment when the caller knows it", () => {
    const text = "FROM node:20\nENV P=$NODE_VERSION\n";
    expect(codes(text)).toContain("UndefinedVar");
    expect(codes(text, { baseImageEnv: (img) => (img === "node:20" ? ["NODE_VERSION"] : undefined) })).not.toContain("UndefinedVar");
  });

  it("UndefinedArgInFrom accepts automatic platform ARGs and suggests declared ones", () => {
    expect(codes("FROM --platform=$BUILDPLATFORM alpine\n")).not.toContain("UndefinedArgInFrom");
    const out = run("ARG VERSION=1\nFROM alpine:$VERSON\n").find((d) => d.code === "UndefinedArgInFrom");
    expect(out?.message).toBe("FROM argument 'VERSON' is not declared (did you mean VERSION?)");
  });

  it("build args replace ARG defaults", () => {
    expect(codes("ARG TAG\nFROM busybox:${TAG}\n", { buildArgs: new Map([["TAG", "1"]]) })).toContain("InvalidDefaultArgInFrom");
    expect(codes("ARG TAG=1\nFROM busybox:${TAG}\nFROM --platform=$P alpine\n", { buildArgs: new Map([["P", "x"]]) })).toContain("UndefinedArgInFrom");
  });

  it("MultipleInstructionsDisallowed points at the overridden instruction", () => {
    const out = run("FROM alpine\nHEALTHCHECK NONE\nHEALTHCHECK NONE\n").filter((d) => d.code === "MultipleInstructionsDisallowed");
    expect(out.map((d) => d.line)).toEqual([2]);
  });

  it("ConsistentInstructionCasing names the expected case", () => {
    const out = run("from alpine\nrun a\nRUN b\n").filter((d) => d.code === "ConsistentInstructionCasing");
    expect(out.map((d) => [d.line, d.message])).toEqual([[3, "Command 'RUN' should match the case of the command majority (lowercase)"]]);
  });

  it("CopyIgnoredFile: parents count, --from and exceptions switch it off, root needs a catch-all", () => {
    expect(codes("FROM alpine\nCOPY ./tmp/a.txt /a\n", ignore("tmp\n"))).toContain("CopyIgnoredFile");
    expect(codes("FROM alpine AS b\nFROM alpine\nCOPY --from=b tmp /a\n", ignore("tmp\n"))).not.toContain("CopyIgnoredFile");
    expect(codes("FROM alpine\nCOPY tmp /a\n", ignore("tmp\n!tmp/keep\n"))).not.toContain("CopyIgnoredFile");
    expect(codes("FROM alpine\nCOPY . /a\n", ignore("tmp\n"))).not.toContain("CopyIgnoredFile");
    expect(codes("FROM alpine\nCOPY . /a\n", ignore("*\n"))).toContain("CopyIgnoredFile");
    expect(codes("FROM alpine\nADD https://example.com/tmp /a\n", ignore("https:\n"))).not.toContain("CopyIgnoredFile");
    const msg = run("FROM alpine\nADD ./tmp/x /a\n", ignore("tmp\n")).find((d) => d.code === "CopyIgnoredFile")?.message;
    expect(msg).toBe('Attempting to Add file "tmp/x" that is excluded by .dockerignore');
  });

  it("EXPOSE ports are expanded with word splitting", () => {
    expect(codes("FROM alpine\nENV P=\"80/TCP 81\"\nEXPOSE $P\n")).toContain("ExposeProtoCasing");
  });
});

describe("check options", () => {
  const bad = "FROM alpine AS Build\nMAINTAINER me\n";

  it("skip= lists rules, skip=all skips every non-experimental rule", () => {
    expect(codes("# check=skip=StageNameCasing\n" + bad)).toEqual(["MaintainerDeprecated"]);
    expect(codes("# check=skip=StageNameCasing,MaintainerDeprecated\n" + bad)).toEqual([]);
    // The directive value ends at its first space, as in BuildKit.
    expect(codes("# check=skip=StageNameCasing, MaintainerDeprecated\n" + bad)).toEqual(["MaintainerDeprecated"]);
    expect(codes("# check=skip=all\n" + bad)).toEqual([]);
    expect(codes("# check=skip=all;experimental=all\nFROM alpine\n# x\nARG y\n")).toEqual(["InvalidDefinitionDescription"]);
  });

  it("error=true makes every finding an error", () => {
    expect(run("# check=error=true\n" + bad).map((d) => d.severity)).toEqual(["error", "error"]);
    expect(run(bad).map((d) => d.severity)).toEqual(["warning", "warning"]);
  });

  it("a # check= comment above an instruction skips rules there only", () => {
    const text = "FROM alpine\n# check=skip=MaintainerDeprecated\nMAINTAINER a\nMAINTAINER b\n";
    expect(run(text).filter((d) => d.code === "MaintainerDeprecated").map((d) => d.line)).toEqual([4]);
  });

  it("a bad # check= comment is ignored with a warning, and the instruction is still checked", () => {
    const out = run("FROM alpine\n# check=skip\nMAINTAINER a\n");
    expect(out.map((d) => [d.code, d.severity, d.line])).toEqual([
      ["InvalidCheckOptions", "warning", 2],
      ["MaintainerDeprecated", "warning", 3],
    ]);
  });

  it("BUILDKIT_DOCKERFILE_CHECK replaces the directive", () => {
    expect(codes("# check=skip=all\n" + bad, { checkOverride: "skip=MaintainerDeprecated" })).toEqual(["StageNameCasing"]);
  });

  it("bad options are an error diagnostic on the directive line", () => {
    const out = run("# check=skip=A;oops\n" + bad);
    expect(out[0]).toMatchObject({ code: "InvalidCheckOptions", severity: "error", line: 1 });
    expect(out[0]?.message).toContain('"oops"');
    expect(run(bad, { checkOverride: "error=maybe" })[0]).toMatchObject({ code: "InvalidCheckOptions", severity: "error" });
  });

  it("parses like BuildKit's ParseLintOptions", () => {
    expect(parseCheckOptions("")).toEqual({ config: expect.objectContaining({ skipAll: false, error: false }) });
    const r = parseCheckOptions(" skip = A,B ; error = TRUE ; experimental = all ");
    expect(r).toEqual({ config: { skipAll: false, skip: new Set(["A", "B"]), experimentalAll: true, experimental: new Set(), error: true } });
    expect("error" in parseCheckOptions("nope")).toBe(true);
    expect("error" in parseCheckOptions("colour=red")).toBe(true);
  });

  it("declares every rule once, with docs", () => {
    for (const name of RULE_NAMES) {
      const spec = RULES[name];
      expect(spec.name).toBe(name);
      expect(spec.docs.length).toBeGreaterThan(20);
      expect(spec.url).toMatch(/^https:\/\/docs\.docker\.com\/go\/dockerfile\/rule\/[a-z-]+\/$/);
    }
    expect(RULE_NAMES.filter((n) => RULES[n].experimental)).toEqual(["InvalidDefinitionDescription"]);
  });
});

describe("robustness", () => {
  /** dockerfiles lists every file named Dockerfile below dir. */
  function dockerfiles(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? dockerfiles(p) : n === "Dockerfile" ? [p] : [];
    });
  }

  it("never throws on the conformance corpus and the parser fixtures, broken files included", () => {
    const root = resolve(import.meta.dirname, "..");
    const files = [...dockerfiles(resolve(root, "../shared/conformance")), ...dockerfiles(join(root, "fixtures"))];
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) {
      const { ast, diagnostics } = parseDockerfile(readFileSync(f, "utf8"), f);
      for (const d of lint(ast, { parserDiagnostics: diagnostics })) expect(d.file).toBe(f);
    }
  });

  it("never throws on scrambled input", () => {
    const tokens = "FROM RUN COPY ARG ENV EXPOSE WORKDIR $ ${ } :- / \\ \n \" ' <<EOF EOF --from= --platform= AS # check=skip= = [ ]".split(" ");
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 200; k++) {
      let text = "";
      for (let i = 0; i < 50; i++) text += (tokens[Math.floor(next() * tokens.length)] ?? "") + (next() < 0.3 ? "\n" : " ");
      expect(() => lint(parseDockerfile(text).ast)).not.toThrow();
    }
  });
});
