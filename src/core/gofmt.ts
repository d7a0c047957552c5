/**
 * Go's text formats that show up in BuildKit-compatible output: strconv.Quote (the AST dump and
 * `%q` in image history), `%v` of a string slice, and time.Duration's String().
 */

/** isGoPrintable approximates unicode.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020. */
function isGoPrintable(cp: number): boolean {
  if (cp === 0x20) return true;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(cp));
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x07: "\\a",
  0x08: "\\b",
  0x0c: "\\f",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x0b: "\\v",
  0x5c: "\\\\",
  0x22: '\\"',
};

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** goQuote returns s double-quoted exactly as Go's strconv.Quote writes it (lone surrogates as \ufffd). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const short = SHORT_ESCAPES[cp];
    if (short !== undefined) out += short;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\ufffd";
    else if (isGoPrintable(cp)) out += ch;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + '"';
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
