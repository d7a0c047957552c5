// The pattern operators of `${...}`: `#`/`##` (trim prefix), `%`/`%%` (trim suffix), `/`/`//` (replace).
import { isNameChar } from "./chars.js";
import { LimitError, lengthLimitMessage } from "./errors.js";
import { type GlobProgram, StepBudget, compileGlob, findMatch } from "./pattern.js";

/** OperatorResult is the new value, or BuildKit's `invalid pattern (...)` message. */
export type OperatorResult = { value: string } | { error: string };

/** CodeText is a string as code points, with the UTF-16 index of every code point boundary. */
class CodeText {
  readonly cps: Int32Array;
  private readonly units: Int32Array | null;
  constructor(readonly text: string) {
    const cps: number[] = [];
    let astral = false;
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      astral ||= cp > 0xffff;
      cps.push(cp);
    }
    this.cps = Int32Array.from(cps);
    this.units = astral ? boundaries(this.cps) : null;
  }
  /** unit converts a code point index to a UTF-16 index. */
  unit(i: number): number {
    return this.units === null ? i : (this.units[i] ?? this.text.length);
  }
  slice(from: number, to = this.cps.length): string {
    return this.text.slice(this.unit(from), this.unit(to));
  }
}

function boundaries(cps: Int32Array): Int32Array {
  const units = new Int32Array(cps.length + 1);
  for (let i = 0; i < cps.length; i++) units[i + 1] = (units[i] ?? 0) + ((cps[i] ?? 0) > 0xffff ? 2 : 1);
  return units;
}

function compile(pattern: string, greedy: boolean): GlobProgram | string {
  const compiled = compileGlob(pattern, greedy);
  if ("error" in compiled) return `invalid pattern (${pattern}) in substitution: ${compiled.error}`;
  return compiled.program;
}

/** trimPrefix removes the prefix of `value` that `pattern` matches: shortest, or longest if `greedy`. */
export function trimPrefix(pattern: string, value: string, greedy: boolean): OperatorResult {
  const prog = compile(pattern, greedy);
  if (typeof prog === "string") return { error: prog };
  const text = new CodeText(value);
  const m = findMatch(prog, text.cps, 0, true, new StepBudget());
  return { value: m === null ? value : text.slice(m[1]) };
}

/**
 * reversePattern reverses a pattern by code point but keeps each backslash before the character it
 * escapes (`a\*c` becomes `c\*a`), so a suffix can be matched as a prefix of the reversed value.
 */
export function reversePattern(pattern: string): string {
  const cps = Array.from(pattern);
  const out: string[] = [];
  for (let i = 0; i < cps.length; ) {
    if (cps[i] === "\\" && i !== cps.length - 1) {
      out.push(`\\${cps[i + 1] ?? ""}`);
      i += 2;
    } else {
      out.push(cps[i] ?? "");
      i++;
    }
  }
  return out.reverse().join("");
}

/** trimSuffix removes the suffix of `value` that `pattern` matches, by reversing both (as BuildKit does). */
export function trimSuffix(pattern: string, value: string, greedy: boolean): OperatorResult {
  const reversed = Array.from(value).reverse().join("");
  const r = trimPrefix(reversePattern(pattern), reversed, greedy);
  if ("error" in r) return r;
  return { value: Array.from(r.value).reverse().join("") };
}

/**
 * replace substitutes the first (or, with `all`, every) leftmost match of `pattern` in `value`,
 * with every `*` greedy. For `all`, `replacement` is a Go regexp template, as BuildKit passes it to
 * ReplaceAllString: `$$` is `$`, `$0`/`${0}` the matched text, other `$name` references empty.
 * Throws LimitError when the result grows past `maxLength`.
 */
export function replace(pattern: string, value: string, replacement: string, all: boolean, maxLength: number): OperatorResult {
  const prog = compile(pattern, true);
  if (typeof prog === "string") return { error: prog };
  const text = new CodeText(value);
  const budget = new StepBudget();
  if (!all) {
    const m = findMatch(prog, text.cps, 0, false, budget);
    return { value: m === null ? value : text.slice(0, m[0]) + replacement + text.slice(m[1]) };
  }
  return { value: replaceAll(prog, text, replacement, maxLength, budget) };
}

/** replaceAll follows Go's regexp replaceAll loop: an empty match right after a match is not replaced. */
function replaceAll(prog: GlobProgram, text: CodeText, template: string, maxLength: number, budget: StepBudget): string {
  const n = text.cps.length;
  let out = "";
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= n) {
    const m = findMatch(prog, text.cps, searchPos, false, budget);
    if (m === null) break;
    out += text.slice(lastEnd, m[0]);
    if (m[1] > lastEnd || m[0] === 0) out += expandTemplate(template, text.slice(m[0], m[1]));
    if (out.length > maxLength) throw new LimitError(lengthLimitMessage(maxLength));
    lastEnd = m[1];
    // Advance past the match, and always by at least one code point.
    searchPos = searchPos + 1 > m[1] ? searchPos + 1 : m[1];
  }
  out += text.slice(lastEnd);
  if (out.length > maxLength) throw new LimitError(lengthLimitMessage(maxLength));
  return out;
}

/** expandTemplate applies Go's regexp Expand to a pattern that has no capture groups. */
export function expandTemplate(template: string, matched: string): string {
  let out = "";
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf("$");
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith("$")) {
      out += "$";
      rest = rest.slice(1);
      continue;
    }
    const ref = templateRef(rest);
    if (ref === null) {
      out += "$"; // malformed reference: the `$` is kept as text
      continue;
    }
    if (ref.name === "0") out += matched;
    rest = rest.slice(ref.length);
  }
  return out + rest;
}

/** templateRef reads `name` or `{name}` at the start of `s` (Go regexp extract), or null if malformed. */
function templateRef(s: string): { name: string; length: number } | null {
  const brace = s.startsWith("{");
  let i = brace ? 1 : 0;
  for (;;) {
    const cp = s.codePointAt(i);
    if (cp === undefined || !isNameChar(cp)) break;
    i += cp > 0xffff ? 2 : 1;
  }
  const name = s.slice(brace ? 1 : 0, i);
  if (name === "") return null;
  if (brace) {
    if (s[i] !== "}") return null;
    i++;
  }
  return { name, length: i };
}
