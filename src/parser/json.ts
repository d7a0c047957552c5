/**
 * Exec-form detection (Dockerfile reference "Shell and exec form"; BuildKit line_parsers.go
 * parseJSON): the rest is a JSON array of strings exactly when Go's encoding/json would decode
 * it into []interface{} with only strings. A valid array with any other element is a hard error;
 * every other failure means "not JSON", and the caller falls back to the shell form.
 */
import type { IToken } from "chevrotain";
import { parseJsonArray } from "./cst-parser.js";
import type { JsonArrayCstNode, JsonValueCstNode } from "./cst-types.js";
import { isGoSpace } from "./offsets.js";
import { lexJson } from "./tokens.js";

/** JsonString is one decoded element with its span (quotes included) in the line. */
export interface JsonItem {
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** JsonForm is what a JSON-form argument turned out to be: an array of strings, JSON that is not one (with its span), or no JSON at all. */
export type JsonForm =
  | { readonly kind: "strings"; readonly items: readonly JsonItem[] }
  | { readonly kind: "not-strings"; readonly start: number; readonly end: number }
  | { readonly kind: "invalid" };

/** GO_MAX_DEPTH is encoding/json's nesting limit; deeper input is a decode error there. */
const GO_MAX_DEPTH = 10000;
/** GRAMMAR_MAX_DEPTH bounds the recursion of the chevrotain rules; deeper arrays are checked with JSON.parse, which does not recurse. */
const GRAMMAR_MAX_DEPTH = 64;

const INVALID: JsonForm = { kind: "invalid" };

/** maxDepth scans brackets and braces outside strings and returns the deepest nesting. */
function maxDepth(s: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      for (i++; i < s.length && s.charCodeAt(i) !== 34; i++) if (s.charCodeAt(i) === 92) i++;
    } else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** decodeString decodes a JSON string token as Go does: lone surrogate escapes become U+FFFD. */
function decodeString(image: string): string {
  const v = JSON.parse(image) as string;
  return image.includes("\\u") ? v.replace(LONE_SURROGATE, "\ufffd") : v;
}

/** overflows reports a number Go cannot hold in a float64 (a decode error there, so not JSON). */
function overflows(tokens: readonly IToken[]): boolean {
  return tokens.some((t) => t.tokenType.name === "JsonNumber" && !Number.isFinite(Number(t.image)));
}

/**
 * isJsonText reports whether `text` is JSON at all (JSON.parse accepts exactly the syntax of the
 * grammar's tokens and rules). jsonForm asks it before running the grammar, so a shell-form rest
 * that merely starts with `[` costs one native parse instead of chevrotain's error path (an
 * exception with a message per mismatched token, tens of microseconds a line).
 */
function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch (err) {
    // A syntax error here is the expected "not JSON" outcome: the rest is shell form.
    void err;
    return false;
  }
}

/** deepForm decides arrays nested beyond the grammar's bound: never strings, so valid means error. */
function deepForm(text: string, base: number, depth: number): JsonForm {
  if (depth > GO_MAX_DEPTH || !isJsonText(text)) return INVALID;
  return { kind: "not-strings", start: base, end: base + text.length };
}

/** jsonForm classifies s[a, b) (the instruction's rest). */
export function jsonForm(s: string, a: number, b: number): JsonForm {
  while (a < b && isGoSpace(s.charCodeAt(a))) a++;
  if (s.charCodeAt(a) !== 91) return INVALID;
  const text = s.slice(a, b);
  const depth = maxDepth(text);
  if (depth > GRAMMAR_MAX_DEPTH) return deepForm(text, a, depth);
  if (!isJsonText(text)) return INVALID;
  const tokens = lexJson(text);
  if (!tokens || overflows(tokens)) return INVALID;
  const { cst, errors } = parseJsonArray(tokens);
  if (errors.length > 0) return INVALID;
  const items: JsonItem[] = [];
  for (const v of (cst as JsonArrayCstNode).children.jsonValue ?? []) {
    const str = v.children.JsonString?.[0];
    if (!str) {
      const t = elementToken(v);
      const start = a + (t?.startOffset ?? 0);
      return { kind: "not-strings", start, end: start + (t?.image.length ?? 1) };
    }
    items.push({ value: decodeString(str.image), start: a + str.startOffset, end: a + str.startOffset + str.image.length });
  }
  return { kind: "strings", items };
}

/** elementToken returns the first token of a non-string element: the scalar itself or the opening bracket or brace. */
function elementToken(v: JsonValueCstNode): IToken | undefined {
  const c = v.children;
  const scalar = c.JsonNumber ?? c.JsonTrue ?? c.JsonFalse ?? c.JsonNull;
  if (scalar) return scalar[0];
  return c.jsonArray?.[0]?.children.LBracket[0] ?? c.jsonObject?.[0]?.children.LBrace[0];
}
