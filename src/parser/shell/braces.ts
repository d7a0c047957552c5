// `${...}` substitutions: `${v}`, `${v:-w}` and the other modifiers, patterns and replacement.
// Reference: Dockerfile reference "Environment replacement"; BuildKit lex.go processDollar.
import { EOF, char } from "./chars.js";
import { ExpansionError, LimitError } from "./errors.js";
import type { Lexer } from "./lexer.js";
import { type OperatorResult, replace, trimPrefix, trimSuffix } from "./operators.js";

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COLON = 0x3a;
const SLASH = 0x2f;
const HASH = 0x23;
const PERCENT = 0x25;
const MINUS = 0x2d;
const PLUS = 0x2b;
const QUESTION = 0x3f;

const MISSING_BRACE = "syntax error: missing '}'";

/** braced expands a `${...}` whose `$` is at `at`; the scanner is on the `{`. */
export function braced(lx: Lexer, at: number): string {
  const s = lx.scan;
  s.next();
  const first = s.peek();
  if (first === EOF) throw new ExpansionError(MISSING_BRACE, at);
  if (first === LBRACE || first === RBRACE || first === COLON) {
    throw new ExpansionError("syntax error: bad substitution", at);
  }
  const name = lx.readName();
  const op = s.next();
  if (op === RBRACE) {
    const value = lx.lookup(name);
    if (value === undefined && lx.mode.skipUnsetEnv) return `\${${name}}`;
    return value ?? "";
  }
  if (op === SLASH) return replacement(lx, name, at);
  if (op === COLON || op === PLUS || op === MINUS || op === QUESTION || op === HASH || op === PERCENT) {
    return modifier(lx, name, op, at);
  }
  // Deviation: BuildKit reports `${v` (input ends after the name) as "unsupported modifier (\uFFFD)".
  if (op === EOF) throw new ExpansionError(MISSING_BRACE, at);
  throw new ExpansionError(unsupported(char(op)), at);
}

function unsupported(chs: string): string {
  return `unsupported modifier (${chs}) in substitution`;
}

/**
 * modifier handles `${v<op>word}` for op `-`, `+`, `?`, `#`, `%` and their `:` forms. As in
 * BuildKit, a `:` followed by any other character still reads the word up to `}` first and then
 * fails with "unsupported modifier" (`${v:=w}`, `${v:1:2}`), and `#`/`%` words keep their escapes.
 */
function modifier(lx: Lexer, name: string, op: number, at: number): string {
  const nullIsUnset = op === COLON;
  const kind = nullIsUnset ? lx.scan.next() : op;
  const chs = nullIsUnset ? `:${char(kind)}` : char(op);
  const patternWord = kind === HASH || kind === PERCENT;
  if (nullIsUnset && patternWord) throw new ExpansionError(unsupported(chs), at);
  const word = lx.readOperand(RBRACE, patternWord, MISSING_BRACE, at);
  const value = lx.lookup(name);
  if (value === undefined && lx.mode.skipUnsetEnv) return `\${${name}${chs}${word}}`;
  const empty = value === undefined || (nullIsUnset && value === "");
  switch (kind) {
    case MINUS:
      return empty ? word : (value ?? "");
    case PLUS:
      return empty ? "" : word;
    case QUESTION:
      if (value === undefined) throw new ExpansionError(`${name}: ${word || "is not allowed to be unset"}`, at);
      if (empty) throw new ExpansionError(`${name}: ${word || "is not allowed to be empty"}`, at);
      return value;
    case HASH:
    case PERCENT:
      return trim(lx, kind, word, value ?? "", at);
    default:
      throw new ExpansionError(unsupported(chs), at);
  }
}

/** trim applies `#`, `##`, `%` or `%%`: a doubled operator (first character of the word) is greedy. */
function trim(lx: Lexer, kind: number, word: string, value: string, at: number): string {
  const greedy = word.codePointAt(0) === kind;
  const pattern = greedy ? word.slice(1) : word;
  const fn = kind === HASH ? trimPrefix : trimSuffix;
  return unwrap(() => fn(pattern, value, greedy), at);
}

/**
 * replacement handles `${v/pattern/replacement}` and `${v//pattern/replacement}`. Both words keep
 * their escape characters. When v is unset and skipUnsetEnv is on, the text is kept as BuildKit
 * writes it back, with a single `/` even for `//`.
 */
function replacement(lx: Lexer, name: string, at: number): string {
  const all = lx.scan.peek() === SLASH;
  if (all) lx.scan.next();
  const pattern = lx.readOperand(SLASH, true, "syntax error: missing '/' in ${}", at);
  const repl = lx.readOperand(RBRACE, true, MISSING_BRACE, at);
  const value = lx.lookup(name);
  if (value === undefined && lx.mode.skipUnsetEnv) return `\${${name}/${pattern}/${repl}}`;
  return unwrap(() => replace(pattern, value ?? "", repl, all, lx.mode.maxLength), at);
}

/** unwrap turns an operator's error or resource limit into an ExpansionError at `at`. */
function unwrap(op: () => OperatorResult, at: number): string {
  let r: OperatorResult;
  try {
    r = op();
  } catch (e) {
    if (e instanceof LimitError) throw new ExpansionError(e.message, at, true);
    throw e;
  }
  if ("error" in r) throw new ExpansionError(r.error, at);
  return r.value;
}
