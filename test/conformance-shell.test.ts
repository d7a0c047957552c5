// BuildKit's shell-lexer tables (conformance/buildkit/shell/envVarTest and wordsTest), one test per
// row, read as described in ../shared/conformance/README.md sections 4 and 5.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { goTrimSpace } from "../src/parser/shell/chars.js";
import { processWord, processWords } from "../src/parser/shell/index.js";

const repoRoot = resolve(import.meta.dirname, "..");
const dataDir = resolve(repoRoot, "../shared/conformance/buildkit/shell");

interface Row {
  line: number;
  input: string;
  expected: string | string[];
  env: Map<string, string>;
}

/** lines splits raw UTF-8 bytes into lines; a final newline does not start another line. */
function lines(file: string): string[] {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(file));
  const out = text.split("\n");
  if (out[out.length - 1] === "") out.pop();
  return out;
}

const ENV_VAR_TEST_ENV = new Map([
  ["PWD", "/home"],
  ["SHELL", "bash"],
  ["KOREAN", "한국어"],
  ["NULL", ""],
]);

function envVarRows(file: string): Row[] {
  const rows: Row[] = [];
  lines(file).forEach((raw, i) => {
    if (raw.startsWith("#")) return;
    const line = goTrimSpace(raw);
    if (line === "") return;
    const fields = line.split("|");
    if (fields.length !== 3) throw new Error(`${file}:${i + 1}: expected 3 fields separated by |`);
    const [platform, input, expected] = fields.map(goTrimSpace) as [string, string, string];
    if (!["A", "U", "W"].includes(platform)) throw new Error(`${file}:${i + 1}: bad platform ${platform}`);
    if (platform === "W") return;
    rows.push({ line: i + 1, input, expected, env: ENV_VAR_TEST_ENV });
  });
  return rows;
}

function wordsRows(file: string): Row[] {
  const rows: Row[] = [];
  const env = new Map<string, string>();
  lines(file).forEach((line, i) => {
    if (line.startsWith("#")) return;
    if (line.startsWith("ENV ")) {
      const entry = line.slice(3).replace(/^ +/, "");
      const eq = entry.indexOf("=");
      env.set(eq < 0 ? entry : entry.slice(0, eq), eq < 0 ? "" : entry.slice(eq + 1));
      return;
    }
    const fields = line.split("|");
    if (fields.length !== 2) throw new Error(`${file}:${i + 1}: expected exactly one |`);
    const [input, expected] = fields as [string, string];
    rows.push({ line: i + 1, input: goTrimSpace(input), expected: expected.replace(/^ +/, "").split(","), env: new Map(env) });
  });
  return rows;
}

function loadRows(name: string, parse: (file: string) => Row[]): Row[] | null {
  const file = resolve(dataDir, name);
  if (existsSync(file)) return parse(file);
  if (process.env.CI === "true") throw new Error(`conformance data missing: ${file}`);
  console.warn(`skipping ${name}: ${file} not found (it is required under CI=true)`);
  return null;
}

function table(name: string, parse: (file: string) => Row[], check: (row: Row) => void): void {
  describe(name, () => {
    const rows = loadRows(name, parse);
    if (rows === null) {
      it.skip(`${name} (data file missing)`, () => undefined);
      return;
    }
    let passed = 0;
    afterAll(() => console.log(`${name}: ${passed}/${rows.length} rows passed`));
    it("has rows", () => expect(rows.length).toBeGreaterThan(20));
    for (const row of rows) {
      it(`${name}:${row.line}`, () => {
        check(row);
        passed++;
      });
    }
  });
}

table("envVarTest", envVarRows, (row) => {
  const r = processWord(row.input, row.env);
  if (row.expected === "error") {
    expect(r.ok, `input ${JSON.stringify(row.input)} must fail`).toBe(false);
  } else {
    expect(r).toMatchObject({ ok: true, value: row.expected });
  }
});

table("wordsTest", wordsRows, (row) => {
  const r = processWords(row.input, row.env);
  expect(r.ok ? r.value : ["error"]).toEqual(row.expected);
});
