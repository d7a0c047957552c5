// BuildKit's parser conformance corpus (../shared/conformance/buildkit/parser, described in
// ../shared/conformance/README.md): every testfile dumps to `result` byte for byte, every
// negative case fails, and testfile-line has BuildKit's line numbers.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dump, parseRaw } from "../src/parser/index.js";

const repoRoot = resolve(import.meta.dirname, "..");
const corpus = resolve(repoRoot, "../shared/conformance/buildkit");
const present = existsSync(join(corpus, "parser"));
const cli = join(repoRoot, "dist/cli/main.cjs");

if (!present) {
  if (process.env["CI"] === "true") throw new Error(`conformance corpus missing at ${corpus}`);
  console.warn(`conformance corpus not found at ${corpus}: skipping`);
}

const dirs = (sub: string): string[] => (present ? readdirSync(join(corpus, "parser", sub)).sort() : []);
const passed: Record<string, number> = { testfiles: 0, "testfiles-negative": 0, "testfile-line": 0 };
const errors = (r: ReturnType<typeof parseRaw>) => r.diagnostics.filter((d) => d.severity === "error");

describe.skipIf(!present)("BuildKit parser conformance", () => {
  afterAll(() => {
    console.log(`conformance parser: testfiles ${passed["testfiles"]}/33, testfiles-negative ${passed["testfiles-negative"]}/4, testfile-line ${passed["testfile-line"]}/1`);
  });

  it("has the expected number of cases", () => {
    expect(dirs("testfiles")).toHaveLength(33);
    expect(dirs("testfiles-negative")).toHaveLength(4);
  });

  describe("testfiles", () => {
    for (const name of dirs("testfiles")) {
      it(name, () => {
        const dir = join(corpus, "parser/testfiles", name);
        const r = parseRaw(readFileSync(join(dir, "Dockerfile")), { file: `${name}/Dockerfile` });
        expect(errors(r)).toEqual([]);
        expect(Buffer.from(`${dump(r.raw)}\n`)).toEqual(readFileSync(join(dir, "result")));
        passed["testfiles"]!++;
      });
    }
  });

  describe("testfiles-negative", () => {
    for (const name of dirs("testfiles-negative")) {
      it(name, () => {
        const r = parseRaw(readFileSync(join(corpus, "parser/testfiles-negative", name, "Dockerfile")));
        expect(errors(r).length).toBeGreaterThan(0);
        passed["testfiles-negative"]!++;
      });
    }
  });

  it("testfile-line: start and end lines", () => {
    const r = parseRaw(readFileSync(join(corpus, "parser/testfile-line/Dockerfile")));
    expect(errors(r)).toEqual([]);
    const lines = r.raw.map((i) => [i.range.start.line, i.range.end.line]);
    expect(lines).toEqual([
      [5, 5],
      [11, 12],
      [17, 31],
    ]);
    expect([r.raw[0]?.range.start.line, r.raw.at(-1)?.range.end.line]).toEqual([5, 31]);
    passed["testfile-line"]!++;
  });

  describe("through the CLI", () => {
    for (const name of ["json", "escapes", "continueIndent", "lk4d4-the-edge-case-generator", "escape-nonewline"]) {
      it(`tsbuild parse --format dump ${name}`, (ctx) => {
        if (!existsSync(cli)) {
          if (process.env["CI"] === "true") throw new Error(`${cli} missing: run npm run build first`);
          console.warn(`${cli} missing (run npm run build): skipping the CLI check`);
          ctx.skip();
        }
        const dir = join(corpus, "parser/testfiles", name);
        const out = execFileSync(process.execPath, [cli, "parse", "--format", "dump", join(dir, "Dockerfile")]);
        expect(out).toEqual(readFileSync(join(dir, "result")));
      });
    }
  });
});
