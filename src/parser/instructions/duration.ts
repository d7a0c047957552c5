/** Go's time.ParseDuration, for HEALTHCHECK's --interval, --timeout, --start-period and --start-interval. */

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n,
  "\u03bcs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_INT64 = (1n << 63n) - 1n;

/** DurationResult is a duration in nanoseconds, or Go's error message for the text. */
export type DurationResult = { readonly ok: true; readonly nanos: number } | { readonly ok: false; readonly error: string };

const fail = (error: string): DurationResult => ({ ok: false, error });

/**
 * parseDuration parses a Go duration such as `300ms`, `-1.5h` or `2h45m` (a sequence of decimal
 * numbers with units ns, us/µs, ms, s, m, h; `0` needs no unit) into nanoseconds, with Go's
 * error messages (`time: invalid duration "x"`, `time: missing unit ...`, `time: unknown unit ...`).
 */
export function parseDuration(text: string): DurationResult {
  const invalid = fail(`time: invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let neg = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    neg = s.startsWith("-");
    s = s.slice(1);
  }
  if (s === "0") return { ok: true, nanos: 0 };
  if (s === "") return invalid;
  let total = 0n;
  while (s !== "") {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const intPart = m?.[1] ?? "";
    const frac = m?.[2];
    if (intPart === "" && (frac === undefined || frac === "")) return invalid;
    s = s.slice(m?.[0].length ?? 0);
    const unitEnd = s.search(/[.\d]/);
    const unit = unitEnd < 0 ? s : s.slice(0, unitEnd);
    s = s.slice(unit.length);
    if (unit === "") return fail(`time: missing unit in duration ${JSON.stringify(text)}`);
    const scale = UNITS[unit];
    if (scale === undefined) return fail(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    total += BigInt(intPart === "" ? "0" : intPart) * scale;
    if (frac) total += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
    if (total > MAX_INT64 + (neg ? 1n : 0n)) return invalid;
  }
  return { ok: true, nanos: Number(neg ? -total : total) };
}

