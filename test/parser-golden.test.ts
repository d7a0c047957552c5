// Golden tests of the parser: fixtures/parser/<case>/{Dockerfile, ast.golden} hold the JSON of
// the parse result, fixtures/parser-errors/<case>/{Dockerfile, diagnostics.golden} the printed
// diagnostics with code frames. UPDATE_GOLDEN=1 rewrites the golden files for review.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../src/core/diagnostic.js";
import { parse, parseRaw } from "../src/parser/index.js";
import { expectGolden } from "./helpers/golden.js";

const fixtures = resolve(import.meta.dirname, "../fixtures");
const cases = (area: string): string[] => {
  const dir = join(fixtures, area);
  return existsSync(dir) ? readdirSync(dir).filter((c) => existsSync(join(dir, c, "Dockerfile"))).sort() : [];
};

/** expectTextGolden compares text with a golden file, or rewrites it under UPDATE_GOLDEN=1. */
function expectTextGolden(path: string, actual: string): void {
  if (process.env["UPDATE_GOLDEN"] === "1") {
    mkdirSync(resolve(path, ".."), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing: run with UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

describe("parser golden files", () => {
  it("has fixtures", () => {
    expect(cases("parser").length).toBeGreaterThan(10);
    expect(cases("parser-errors").length).toBeGreaterThan(8);
  });

  for (const name of cases("parser")) {
    it(`parser/${name}`, () => {
      const dir = join(fixtures, "parser", name);
      const bytes = readFileSync(join(dir, "Dockerfile"));
      // Cases here are valid at the syntax layer; instruction-level diagnostics are part of the golden.
      expect(parseRaw(bytes).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const { ast, diagnostics } = parse(bytes, { file: "Dockerfile" });
      expectGolden(join(dir, "ast.golden"), { ast, diagnostics });
    });
  }

  for (const name of cases("parser-errors")) {
    it(`parser-errors/${name}`, () => {
      const dir = join(fixtures, "parser-errors", name);
      const r = parse(readFileSync(join(dir, "Dockerfile")), { file: "Dockerfile" });
      expect(r.diagnostics.some((d) => d.severity === "error")).toBe(true);
      const printed = r.diagnostics.map((d) => formatDiagnostic(d, r.source)).join("\n\n");
      expectTextGolden(join(dir, "diagnostics.golden"), `${printed}\n`);
    });
  }
});
