/**
 * Per-instruction argument shapes at parse level (BuildKit line_parsers.go, dispatch table in
 * parser.go; conformance/README.md 1.2). Every function works on the span [a, b) of the joined
 * line, where the rest is already trimmed, and returns spans so ranges stay exact.
 */
import { jsonForm } from "./json.js";
import { isGoSpace, isLineSpace } from "./offsets.js";

/** Span is an argument value with its [start, end) in the joined line. */
export interface Span {
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** ArgError is a parse-level argument error (BuildKit fails the whole parse on these). */
export interface ArgError {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
  readonly start: number;
  readonly end: number;
}

/** ArgsResult is one instruction's arguments as spans, whether they came from the JSON form, and the first argument error. */
export interface ArgsResult {
  readonly args: Span[];
  readonly json: boolean;
  readonly error?: ArgError;
}

const span = (s: string, start: number, end: number): Span => ({ value: s.slice(start, end), start, end });

/** splitWhitespace splits at runs of `[\t\v\f\r ]` with no quote handling (FROM, EXPOSE, list fallback). */
export function splitWhitespace(s: string, a: number, b: number): Span[] {
  const out: Span[] = [];
  if (a >= b) return out;
  let start = a;
  for (let i = a; i <= b; i++) {
    if (i < b && !isLineSpace(s.charCodeAt(i))) continue;
    out.push(span(s, start, i));
    while (i + 1 < b && isLineSpace(s.charCodeAt(i + 1))) i++;
    start = i + 1;
  }
  return out;
}

/**
 * quoteAwareWords is BuildKit's parseWords (ARG, ENV, LABEL): white space outside quotes ends a
 * word; quotes stay in the word; outside single quotes the escape character is kept together
 * with the next character; an escape character as the very last character is dropped.
 */
export function quoteAwareWords(s: string, a: number, b: number, escapeChar: string): Span[] {
  const esc = escapeChar.charCodeAt(0);
  const out: Span[] = [];
  let start = -1;
  let quote = 0;
  let dropLast = false;
  const flush = (end: number): void => {
    const value = s.slice(start, dropLast ? end - 1 : end);
    if (value !== "") out.push({ value, start, end });
    start = -1;
    dropLast = false;
  };
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (start < 0) {
      if (isGoSpace(c)) continue;
      start = i;
    }
    if (quote === 0 && isGoSpace(c)) {
      flush(i);
      continue;
    }
    if (c === esc && quote !== 39) {
      if (i + 1 === b) dropLast = true;
      else i++;
      continue;
    }
    if (quote === 0 && (c === 39 || c === 34)) quote = c;
    else if (c === quote) quote = 0;
  }
  if (start >= 0) flush(b);
  return out;
}

/** nameValue is BuildKit's parseNameVal (ENV, LABEL): `k=v` triples, or the legacy `k rest` form. */
export function nameValue(s: string, a: number, b: number, escapeChar: string, keyword: string): ArgsResult {
  const words = quoteAwareWords(s, a, b, escapeChar);
  const first = words[0];
  if (!first) return { args: [], json: false };
  if (!first.value.includes("=")) {
    let k = a;
    while (k < b && !isLineSpace(s.charCodeAt(k))) k++;
    let v = k;
    while (v < b && isLineSpace(s.charCodeAt(v))) v++;
    const key = span(s, a, k);
    if (k === b) {
      const hint = `write ${keyword} ${key.value}=<value>`;
      const error = { code: "InvalidKeyValue", message: `${keyword} must have two arguments`, hint, start: a, end: b };
      return { args: [key, span(s, b, b), span(s, b, b)], json: false, error };
    }
    return { args: [key, span(s, v, b), span(s, b, b)], json: false };
  }
  const args: Span[] = [];
  for (const w of words) {
    const eq = w.value.indexOf("=");
    if (eq < 0) {
      const message = `Syntax error - can't find = in ${JSON.stringify(w.value)}. Must be of the form: name=value`;
      const error = { code: "InvalidKeyValue", message, hint: "quote values that contain spaces: name=\"a b\"", start: w.start, end: w.end };
      return { args, json: false, error };
    }
    const at = w.start + eq;
    args.push({ value: w.value.slice(0, eq), start: w.start, end: at });
    args.push({ value: w.value.slice(eq + 1), start: at + 1, end: w.end });
    args.push({ value: "=", start: at, end: at + 1 });
  }
  return { args, json: false };
}

/** maybeJson is parseMaybeJSON / parseMaybeJSONToList: a JSON string array, else the fallback shape. */
export function maybeJson(s: string, a: number, b: number, list: boolean): ArgsResult {
  if (a >= b) return { args: [], json: false };
  const form = jsonForm(s, a, b);
  const fallback = list ? splitWhitespace(s, a, b) : [span(s, a, b)];
  if (form.kind === "strings") return { args: form.items.map((i) => ({ ...i })), json: true };
  if (form.kind === "invalid") return { args: fallback, json: false };
  const error: ArgError = {
    code: "InvalidJSON",
    message: "when using JSON array syntax, arrays must be comprised of strings only",
    hint: 'write every element as a JSON string, e.g. ["echo", "hi"]',
    start: form.start,
    end: form.end,
  };
  return { args: fallback, json: false, error };
}

/** healthcheck is parseHealthConfig: the type word as written, then the rest like CMD. */
export function healthcheck(s: string, a: number, b: number): ArgsResult {
  let sep = a;
  while (sep < b && !isByteSpaceCode(s.charCodeAt(sep))) sep++;
  if (sep === a) return { args: [], json: false };
  let next = sep;
  while (next < b && isByteSpaceCode(s.charCodeAt(next))) next++;
  const cmd = maybeJson(s, next, b, false);
  return { ...cmd, args: [span(s, a, sep), ...cmd.args] };
}

function isByteSpaceCode(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
}

/** single is parseString (MAINTAINER, USER, WORKDIR, STOPSIGNAL): the whole rest as one argument. */
export function single(s: string, a: number, b: number): ArgsResult {
  return { args: a < b ? [span(s, a, b)] : [], json: false };
}
