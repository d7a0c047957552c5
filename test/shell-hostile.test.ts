// Hostile inputs for variable expansion (reliability notes, parser section D): each must end with
// the right result or a clear error in well under a second, never a stack overflow or a hang.
import { describe, expect, it } from "vitest";
import { MAX_EXPANSION_LENGTH, MAX_NESTING_DEPTH, type ExpandResult, processWord } from "../src/parser/shell/index.js";

/** LIMIT_MS is the correctness bound from the reliability bar ("finishes or errors in < 1 s"), not a benchmark. */
const LIMIT_MS = 1000;

function timed<T>(fn: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = fn();
  return { result, ms: performance.now() - start };
}

function expectError(r: ExpandResult<string>, message: string | RegExp): void {
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.message).toMatch(message);
}

const DEPTH_ERROR = /nested more than 100 levels deep/;
const LENGTH_ERROR = /longer than \d+ characters \(the expansion length limit\)/;

describe("nesting", () => {
  it("stops ${a:-${a:-...}} nested 100,000 deep with a depth error", () => {
    const word = "${a:-".repeat(100_000) + "x" + "}".repeat(100_000);
    const { result, ms } = timed(() => processWord(word, new Map()));
    expectError(result, DEPTH_ERROR);
    expect(ms).toBeLessThan(LIMIT_MS);
  });

  it("stops an unterminated nest and one through double quotes the same way", () => {
    for (const word of ["${a:-".repeat(100_000), '${a:-"'.repeat(100_000), "${a#".repeat(100_000), "${a/".repeat(100_000)]) {
      const { result, ms } = timed(() => processWord(word, new Map()));
      expectError(result, DEPTH_ERROR);
      expect(ms).toBeLessThan(LIMIT_MS);
    }
  });

  it("accepts nesting up to the limit", () => {
    const word = "${a:-".repeat(MAX_NESTING_DEPTH) + "x" + "}".repeat(MAX_NESTING_DEPTH);
    expect(processWord(word, new Map())).toMatchObject({ ok: true, value: "x" });
    const deeper = "${a:-".repeat(MAX_NESTING_DEPTH + 1) + "x" + "}".repeat(MAX_NESTING_DEPTH + 1);
    expectError(processWord(deeper, new Map()), DEPTH_ERROR);
  });

  it("handles 100,000 sibling substitutions without nesting", () => {
    const { result, ms } = timed(() => processWord("${a:-x}".repeat(100_000), new Map()));
    expect(result).toMatchObject({ ok: true, value: "x".repeat(100_000) });
    expect(ms).toBeLessThan(LIMIT_MS);
  });
});

describe("length cap", () => {
  it("stops the ENV A=$A$A chain (64 steps) once a value passes MAX_EXPANSION_LENGTH", () => {
    const { result, ms } = timed(() => {
      let env = new Map([["A", "a"]]);
      for (let step = 0; step < 64; step++) {
        const r = processWord("$A$A", env);
        if (!r.ok) return { step, r };
        env = new Map([["A", r.value]]);
      }
      return null;
    });
    expect(result).not.toBeNull();
    // 2^20 characters is exactly the limit, so the step that would make 2^21 fails.
    expect(result?.step).toBe(Math.log2(MAX_EXPANSION_LENGTH));
    if (result) expectError(result.r, LENGTH_ERROR);
    expect(ms).toBeLessThan(LIMIT_MS);
  });

  it("applies a smaller maxLength and reports the offset of the piece that passed it", () => {
    const env = new Map([["A", "x".repeat(300)]]);
    expect(processWord("$A$A$A", env, { maxLength: 900 })).toMatchObject({ ok: true });
    expect(processWord("$A$A$A$A", env, { maxLength: 900 })).toMatchObject({ ok: false, offset: 6 });
    expect(processWord('"$A$A$A$A"', env, { maxLength: 900 })).toMatchObject({ ok: false, offset: 7 });
  });

  it("stops a replacement that multiplies the value", () => {
    const env = new Map([["X", "a".repeat(10_000)], ["Y", "y".repeat(1000)]]);
    const { result, ms } = timed(() => processWord("${X//?/$Y}", env));
    expectError(result, LENGTH_ERROR);
    expect(ms).toBeLessThan(LIMIT_MS);
  });

  it("rejects a maxLength that is not a positive integer", () => {
    expect(() => processWord("x", new Map(), { maxLength: 0 })).toThrow(RangeError);
    expect(() => processWord("x", new Map(), { maxLength: Number.NaN })).toThrow(RangeError);
  });
});

describe("patterns on a 10 kB value", () => {
  const env = new Map([
    ["X", "a".repeat(10_000)],
    ["XB", `${"a".repeat(10_000)}b`],
    ["Y", "ab".repeat(5_000)],
  ]);
  const cases: [string, string][] = [
    ["${X#*a*a*a*a*a*a*a*b}", "a".repeat(10_000)],
    ["${X##*a*a*a*a*a*a*a*b}", "a".repeat(10_000)],
    ["${X%b*a*a*a*a*a*a*a*}", "a".repeat(10_000)],
    ["${X%%b*a*a*a*a*a*a*a*}", "a".repeat(10_000)],
    ["${X//*a*b/c}", "a".repeat(10_000)],
    ["${X/*a*b/c}", "a".repeat(10_000)],
    ["${XB#*a*a*a*a*a*a*a*b}", ""],
    ["${XB%a*a*a*a*a*a*a*b}", "a".repeat(9_993)],
    ["${XB//*a*b/c}", "c"],
    ["${Y//a*b/c}", "c"],
    ["${Y//a?/c}", "c".repeat(5_000)],
    ["${Y##*a}", "b"],
  ];
  for (const [word, expected] of cases) {
    it(word, () => {
      const { result, ms } = timed(() => processWord(word, env));
      expect(result).toMatchObject({ ok: true, value: expected });
      expect(ms).toBeLessThan(LIMIT_MS);
    });
  }

  it("stops a 100 kB pattern against a 100 kB value at the pattern work limit", () => {
    const big = new Map([["X", "a".repeat(100_000)], ["P", `${"a".repeat(100_000)}b`]]);
    const { result, ms } = timed(() => processWord("${X/$P/c}", big));
    expectError(result, /pattern matching needed more than \d+ steps/);
    expect(ms).toBeLessThan(LIMIT_MS);
  });
});

describe("unterminated and long input", () => {
  it("reports unterminated quotes at the opening quote", () => {
    for (const [word, offset] of [
      [`'${"x".repeat(100_000)}`, 0],
      [`ab"${"$x".repeat(50_000)}`, 2],
      [`"${"\\\"".repeat(50_000)}`, 0],
    ] as const) {
      const { result, ms } = timed(() => processWord(word, new Map()));
      expect(result).toMatchObject({ ok: false, offset });
      expect(ms).toBeLessThan(LIMIT_MS);
    }
  });

  it("expands a 1 MiB word without expansions", () => {
    const word = "x".repeat(MAX_EXPANSION_LENGTH);
    const { result, ms } = timed(() => processWord(word, new Map()));
    expect(result).toMatchObject({ ok: true, value: word });
    expect(ms).toBeLessThan(LIMIT_MS);
  });
});
