// .dockerignore reading, matching and file choice. The tables are the spec: one case per row.
import { describe, expect, it } from "vitest";
import {
  chooseDockerignore,
  createPatternMatcher,
  dockerignoreCandidates,
  goClean,
  parseDockerignore,
  type IgnoreMatcher,
} from "../src/core/dockerignore.js";

function matcher(patterns: readonly string[]): IgnoreMatcher {
  const m = createPatternMatcher(patterns);
  if ("error" in m) throw new Error(m.error);
  return m;
}

// [pattern, path, excluded]
const SINGLE: readonly (readonly [string, string, boolean])[] = [
  ["*", "main.ts", true],
  ["*", "src/main.ts", true], // parent `src` matches `*`
  ["*.md", "README.md", true],
  ["*.md", "docs/README.md", false], // `*` never crosses `/`
  ["docs", "docs/guide/intro.md", true],
  ["docs", "docsx/a", false],
  ["src/*.ts", "src/a.ts", true],
  ["src/*.ts", "src/lib/a.ts", false],
  ["src/*", "src/lib/a.ts", true], // `src/lib` matches, so everything below it does
  ["**", "anything/at/all", true],
  ["**/node_modules", "node_modules", true],
  ["**/node_modules", "pkg/a/node_modules/x/index.js", true],
  ["**/*.log", "app.log", true],
  ["**/*.log", "var/log/app.log", true],
  ["**/*.log", "var/log/app.log.1", false],
  ["build/**", "build", false],
  ["build/**", "build/out/bin", true],
  ["a/**/z", "a/z", true],
  ["a/**/z", "a/b/c/z", true],
  ["a/**/z", "a/bz", false],
  ["x**/*.c", "x/y/main.c", true],
  ["x**/*.c", "xy/main.c", true], // `x**/` is `x` then any text ending in `/`, or nothing
  ["x**/*.c", "xmain.c", true],
  ["x**/*.c", "y/main.c", false],
  ["**tmp", "scratch_tmp", true], // leading `**` without `/` is a plain suffix test
  ["**tmp", "tmp", true],
  ["file?.txt", "file1.txt", true],
  ["file?.txt", "file.txt", false],
  ["file?.txt", "file/.txt", false], // `?` is not `/`
  ["v[0-9].bin", "v7.bin", true],
  ["v[0-9].bin", "vx.bin", false],
  ["v[^0-9].bin", "vx.bin", true],
  ["v[^0-9].bin", "v3.bin", false],
  ["[a-c][x-z]", "by", true],
  ["[\\]]x", "]x", true],
  ["q\\*", "q*", true],
  ["q\\*", "qq", false],
  ["back\\\\slash", "back\\slash", true],
  ["dot.file", "dotxfile", false],
  ["dot.file", "dot.file", true],
  ["a+b(c)|{d}$", "a+b(c)|{d}$", true],
  ["a+b*", "a+bc", true],
  ["a+b*", "aab", false],
  ["/abs/path", "abs/path", false], // only ignore-file reading strips a leading slash
  ["./rel/../other", "other/file", true],
  ["dir/", "dir/sub", true],
  [".*", ".git", true],
  [".*", "git", false],
  ["**/.env", "svc/.env", true],
  ["**/.env", "svc/x.env", false],
  ["日本/*.txt", "日本/語.txt", true],
  ["?.txt", "語.txt", true], // `?` is one character, not one byte
  ["lit^eral", "lit^eral", true],
];

describe("pattern matching (moby/patternmatcher semantics)", () => {
  it.each(SINGLE)("%s vs %s -> %s", (pattern, path, excluded) => {
    expect(matcher([pattern]).matches(path)).toBe(excluded);
  });

  // [patterns, path, excluded]
  const MULTI: readonly (readonly [readonly string[], string, boolean])[] = [
    [["*.go", "!main.go"], "main.go", false],
    [["!main.go", "*.go"], "main.go", true], // last match wins
    [["docs", "!docs/README.md"], "docs/README.md", false],
    [["docs", "!docs/README.md"], "docs/other.md", true],
    [["**", "!keep"], "keep/deep/file", false],
    [["**", "!keep", "keep/deep"], "keep/deep/file", true],
    [["*", "!src", "src/secret"], "src/secret/key", true],
    [["*", "!src", "src/secret"], "src/public", false],
    [[], "anything", false],
    [["*"], ".", false], // the context root is never excluded
    [["*"], "/", true], // patternmatcher: the parent list of `/` holds "", which `*` matches
    [["a"], "/a", false], // paths are not stripped of a leading slash
    [["a"], "./a/", true],
  ];
  it.each(MULTI)("%j vs %s -> %s", (patterns, path, excluded) => {
    expect(matcher(patterns).matches(path)).toBe(excluded);
  });

  it("reports exclusions", () => {
    expect(matcher(["a", "!b"]).hasExclusions).toBe(true);
    expect(matcher(["a", "b"]).hasExclusions).toBe(false);
  });

  it.each([["["], ["a[b"], ["[]a]"], ["[a-]"], ["[-a]"], ["x[^]"], ["tail\\"], ["!"], ["!/"], ["[z-a]"], ["*x*\\"]])("rejects %s", (pattern) => {
    const m = createPatternMatcher([pattern]);
    expect("error" in m).toBe(true);
  });

  it("is linear on hostile patterns", () => {
    const pattern = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
    const m = matcher([pattern, "**/**/**/**/**/**/**/**/**/**/**/**/c"]);
    const path = "a".repeat(5000);
    const deep = Array.from({ length: 200 }, () => "a").join("/") + "/d";
    const t0 = performance.now();
    expect(m.matches(path)).toBe(false);
    expect(m.matches(deep)).toBe(false);
    // Not a timing assertion on speed, just a guard against exponential blow-up (seconds).
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe("goClean", () => {
  it.each([
    ["", "."],
    ["./a/", "a"],
    ["a//b/./c/..", "a/b"],
    ["../x", "../x"],
    ["/../x", "/x"],
    ["a/../..", ".."],
    ["/", "/"],
  ])("%j -> %j", (input, out) => {
    expect(goClean(input)).toBe(out);
  });
});

describe("parseDockerignore", () => {
  it("applies the line rules", () => {
    const text = "\uFEFF# comment\n  # not a comment\n\n  build/  \r\n/abs\n!  ./keep/me\n#!not-an-exception\n*.tmp";
    const r = parseDockerignore(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.rules.map((x) => [x.exclusion ? "!" + x.pattern : x.pattern, x.line])).toEqual([
      ["# not a comment", 2],
      ["build", 4],
      ["abs", 5],
      ["!keep/me", 6],
      ["*.tmp", 8],
    ]);
    expect(r.matcher.matches("build/x")).toBe(true);
    expect(r.matcher.matches("keep/me")).toBe(false);
    expect(r.matcher.hasExclusions).toBe(true);
  });

  it("reports bad lines with their line number and keeps the good ones", () => {
    const r = parseDockerignore("ok\nbad[\n!\n  ! \nfine", "ctx/.dockerignore");
    expect(r.rules.map((x) => x.pattern)).toEqual(["ok", "fine"]);
    expect(r.diagnostics.map((d) => [d.file, d.range.start.line, d.range.start.column, d.severity, d.code])).toEqual([
      ["ctx/.dockerignore", 2, 1, "error", "DockerignoreSyntax"],
      ["ctx/.dockerignore", 3, 1, "error", "DockerignoreSyntax"],
      ["ctx/.dockerignore", 4, 1, "error", "DockerignoreSyntax"],
    ]);
    expect(r.diagnostics[0]?.message).toContain('"bad["');
    expect(r.diagnostics[1]?.message).toContain("exclusion");
    expect(r.diagnostics[1]?.range.start.offset).toBe(8);
  });

  it("treats an empty file as no patterns", () => {
    const r = parseDockerignore("");
    expect(r.rules).toEqual([]);
    expect(r.matcher.matches("x")).toBe(false);
  });
});

describe("ignore file choice", () => {
  it("lists the Dockerfile-specific file first", () => {
    expect(dockerignoreCandidates("build/app.Dockerfile", ".")).toEqual(["build/app.Dockerfile.dockerignore", ".dockerignore"]);
    expect(dockerignoreCandidates("ctx/Dockerfile", "ctx/")).toEqual(["ctx/Dockerfile.dockerignore", "ctx/.dockerignore"]);
  });

  it("prefers <Dockerfile>.dockerignore, then .dockerignore, then none", () => {
    const both = new Set(["ctx/Dockerfile.dockerignore", "ctx/.dockerignore"]);
    expect(chooseDockerignore("ctx/Dockerfile", "ctx", (p) => both.has(p))).toBe("ctx/Dockerfile.dockerignore");
    const plain = new Set(["ctx/.dockerignore"]);
    expect(chooseDockerignore("ctx/Dockerfile", "ctx", (p) => plain.has(p))).toBe("ctx/.dockerignore");
    expect(chooseDockerignore("ctx/Dockerfile", "ctx", () => false)).toBeUndefined();
  });
});
