import { describe, expect, it } from "vitest";
import { goDuration, goQuote, goQuoteSlice, goSlice } from "../src/core/gofmt.js";

describe("goQuote (strconv.Quote)", () => {
  it.each([
    ["plain", '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ["\x00\x07\b\f\n\r\t\v\x7f", '"\\x00\\a\\b\\f\\n\\r\\t\\v\\x7f"'],
    ["♥ 한국어", '"♥ 한국어"'],
    ["\u00a0", '"\\u00a0"'],
    ["\u{e0001}", '"\\U000e0001"'],
    ["\ud800", '"\\xed\\xa0\\x80"'],
  ])("%j", (input, want) => {
    expect(goQuote(input)).toBe(want);
  });

  it("formats slices as %q and %v do", () => {
    expect(goQuoteSlice(["/bin/sh", "-c", 'echo "hi"'])).toBe('["/bin/sh" "-c" "echo \\"hi\\""]');
    expect(goSlice(["/data", "/logs"])).toBe("[/data /logs]");
    expect(goSlice([])).toBe("[]");
  });
});

describe("goDuration (time.Duration.String)", () => {
  it.each([
    [0, "0s"],
    [999, "999ns"],
    [1_500, "1.5µs"],
    [1_500_000, "1.5ms"],
    [30_000_000_000, "30s"],
    [90_000_000_000, "1m30s"],
    [3_723_500_000_000, "1h2m3.5s"],
    [3_600_000_000_000, "1h0m0s"],
    [-2_000_000_000, "-2s"],
  ])("%d ns", (ns, want) => {
    expect(goDuration(ns)).toBe(want);
  });
});
