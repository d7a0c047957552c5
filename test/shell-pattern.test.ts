// Differential test of the linear-time pattern matcher: every `#`, `##`, `%`, `%%`, `/`, `//` result
// on small generated inputs must equal what BuildKit's method gives, computed here with a
// backtracking JavaScript RegExp (leftmost-first, like Go's RE2) built from the same pattern.
// RegExp is fine in this test: inputs are tiny and generated, never user data.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "./helpers/random.js";
import { processWord } from "../src/parser/shell/index.js";

const PATTERN_TOKENS = ["a", "b", "*", "?", "\\*", "\\?", "\n", "."];
const TEXT_CHARS = ["a", "b", "*", "?", "\n", "."];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function gen(r: () => number, pool: readonly string[], max: number): string {
  const n = Math.floor(r() * (max + 1));
  return Array.from({ length: n }, () => pick(r, pool)).join("");
}

/** toRegExp mirrors BuildKit's pattern-to-regexp conversion; `.` never matches a newline. */
function toRegExp(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  let src = anchored ? "^" : "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? "";
    if (c === "*") src += greedy ? "[^\\n]*" : "[^\\n]*?";
    else if (c === "?") src += "[^\\n]";
    else if (c === "\\") src += `\\${pattern[++i] ?? ""}`;
    else src += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(src, anchored ? "" : "g");
}

function reversePattern(p: string): string {
  const units: string[] = [];
  for (let i = 0; i < p.length; i++) units.push(p[i] === "\\" && i < p.length - 1 ? `\\${p[++i]}` : (p[i] ?? ""));
  return units.reverse().join("");
}

const rev = (s: string): string => [...s].reverse().join("");

function oracleTrimPrefix(p: string, v: string, greedy: boolean): string {
  const m = toRegExp(p, greedy, true).exec(v);
  return m === null ? v : v.slice(m[0].length);
}

/** oracleReplaceAll is Go's replaceAll loop (empty matches right after a match are skipped); the template has no `$`. */
function oracleReplace(p: string, v: string, repl: string, all: boolean): string {
  const re = toRegExp(p, true, false);
  let out = "";
  let lastEnd = 0;
  for (let searchPos = 0; searchPos <= v.length; ) {
    re.lastIndex = searchPos;
    const m = re.exec(v);
    if (m === null) break;
    const [start, end] = [m.index, m.index + m[0].length];
    out += v.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += repl;
    lastEnd = end;
    if (!all) break;
    searchPos = searchPos + 1 > end ? searchPos + 1 : end;
  }
  return out + v.slice(lastEnd);
}

function expand(word: string, v: string, p: string): string {
  const r = processWord(word, new Map([["V", v], ["P", p]]));
  if (!r.ok) throw new Error(`${JSON.stringify({ word, v, p })}: ${r.message}`);
  return r.value;
}

describe("pattern matcher agrees with a backtracking oracle", () => {
  const cases = Array.from({ length: 1500 }, (_, i) => {
    const r = mulberry32(i + 1);
    return { p: gen(r, PATTERN_TOKENS, 6), v: gen(r, TEXT_CHARS, 10) };
  });

  it("for # and ##", () => {
    for (const { p, v } of cases) {
      expect(expand("${V#$P}", v, p), JSON.stringify({ p, v })).toBe(oracleTrimPrefix(p, v, false));
      expect(expand("${V##$P}", v, p), JSON.stringify({ p, v })).toBe(oracleTrimPrefix(p, v, true));
    }
  });

  it("for % and %%", () => {
    for (const { p, v } of cases) {
      const q = reversePattern(p);
      expect(expand("${V%$P}", v, p), JSON.stringify({ p, v })).toBe(rev(oracleTrimPrefix(q, rev(v), false)));
      expect(expand("${V%%$P}", v, p), JSON.stringify({ p, v })).toBe(rev(oracleTrimPrefix(q, rev(v), true)));
    }
  });

  it("for / and //", () => {
    for (const { p, v } of cases) {
      expect(expand("${V/$P/<>}", v, p), JSON.stringify({ p, v })).toBe(oracleReplace(p, v, "<>", false));
      expect(expand("${V//$P/<>}", v, p), JSON.stringify({ p, v })).toBe(oracleReplace(p, v, "<>", true));
    }
  });
});
