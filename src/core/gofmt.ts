/**
 * Go's text formats that show up in BuildKit-compatible output: strconv.Quote (the AST dump and
 * `%q` in image history), `%v` of a string slice, and time.Duration's String().
 */

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const SHORT: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\" };

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

/** surrogateBytes writes a lone surrogate as the three bytes Go would see (invalid UTF-8, so `\xNN` each). */
function surrogateBytes(cp: number): string {
  return `\\x${hex(0xe0 | (cp >> 12), 2)}\\x${hex(0x80 | ((cp >> 6) & 0x3f), 2)}\\x${hex(0x80 | (cp & 0x3f), 2)}`;
}

/** quoteCodePoint renders one code point the way strconv.Quote does (printable = unicode.IsPrint). */
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

/** goQuoteSlice formats a string slice like Go's `%q`: `["a" "b"]`. */
export function goQuoteSlice(items: readonly string[]): string {
  return `[${items.map(goQuote).join(" ")}]`;
}

/** goSlice formats a string slice like Go's `%v`: `[a b]`. */
export function goSlice(items: readonly string[]): string {
  return `[${items.join(" ")}]`;
}

const UNITS: readonly [string, number][] = [
  ["h", 3_600_000_000_000],
  ["m", 60_000_000_000],
];

/** trimFraction writes whole.frac with trailing zeros removed (Go's fmtFrac). */
function withFraction(whole: number, frac: number, digits: number): string {
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(digits, "0").replace(/0+$/, "")}`;
}

/** goDuration formats nanoseconds like Go's time.Duration.String(): `1h2m3.5s`, `1.5ms`, `0s`. */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  let n = Math.abs(ns);
  if (n < 1_000) return `${sign}${n}ns`;
  if (n < 1_000_000) return `${sign}${withFraction(Math.floor(n / 1_000), n % 1_000, 3)}µs`;
  if (n < 1_000_000_000) return `${sign}${withFraction(Math.floor(n / 1_000_000), n % 1_000_000, 6)}ms`;
  let out = "";
  for (const [unit, size] of UNITS) {
    if (n >= size || out !== "") {
      out += `${Math.floor(n / size)}${unit}`;
      n %= size;
    }
  }
  return `${sign}${out}${withFraction(Math.floor(n / 1_000_000_000), n % 1_000_000_000, 9)}s`;
}
