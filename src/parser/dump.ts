/**
 * BuildKit's AST dump (parser.Node.Dump; conformance/README.md 1.1 and 1.3): one line per
 * instruction, `(keyword ["--flag" ...] "arg" ...)`, every string quoted as Go's strconv.Quote.
 */
import type { RawInstruction } from "./raw.js";

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const SHORT: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\" };

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

/** surrogateBytes writes a lone surrogate as the three bytes Go would see (invalid UTF-8, so `\xNN` each). */
function surrogateBytes(cp: number): string {
  return `\\x${hex(0xe0 | (cp >> 12), 2)}\\x${hex(0x80 | ((cp >> 6) & 0x3f), 2)}\\x${hex(0x80 | (cp & 0x3f), 2)}`;
}

/** quoteCodePoint renders one code point the way strconv.Quote does. */
function quoteCodePoint(ch: string, cp: number): string {
  const short = SHORT[cp];
  if (short) return short;
  if (cp >= 0x20 && cp < 0x7f) return ch;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return surrogateBytes(cp);
  if (PRINTABLE.test(ch)) return ch;
  return cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
}

/** goQuote is Go's strconv.Quote for a JS string (lone surrogates are treated as the invalid bytes they would be in Go). */
export function goQuote(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) out += quoteCodePoint(ch, ch.codePointAt(0) ?? 0);
  return `${out}"`;
}

/** dumpInstruction renders one instruction without its surrounding parentheses. */
function dumpInstruction(raw: RawInstruction): string {
  let out = raw.keyword.toLowerCase();
  if (raw.flags.length > 0) out += ` [${raw.flags.map((f) => goQuote(f.text)).join(" ")}]`;
  if (raw.trigger) out += ` (${dumpInstruction(raw.trigger)})`;
  for (const a of raw.args) out += ` ${goQuote(a.value)}`;
  return out.trim();
}

/** dump renders instructions as BuildKit's Dump does: one `(...)` line each, joined by `\n`, no final newline. */
export function dump(raws: readonly RawInstruction[]): string {
  return raws.map((r) => `(${dumpInstruction(r)})`).join("\n");
}
