import { describe, expect, it } from "vitest";
import { parseCsvRecord } from "../../src/parser/instructions/csv.js";

describe("parseCsvRecord", () => {
  it("splits at commas and keeps positions", () => {
    expect(parseCsvRecord("a=1,b,c=")).toEqual({
      ok: true,
      fields: [
        { value: "a=1", start: 0, end: 3 },
        { value: "b", start: 4, end: 5 },
        { value: "c=", start: 6, end: 8 },
      ],
    });
  });

  it("has no fields for empty text and an empty field after a trailing comma", () => {
    expect(parseCsvRecord("")).toEqual({ ok: true, fields: [] });
    expect(parseCsvRecord("a,")).toMatchObject({ ok: true, fields: [{ value: "a" }, { value: "" }] });
  });

  it("reads quoted fields with doubled quotes and commas inside", () => {
    expect(parseCsvRecord('"src=a,b",x')).toMatchObject({ ok: true, fields: [{ value: "src=a,b", start: 0, end: 9 }, { value: "x" }] });
    expect(parseCsvRecord('"a""b"')).toMatchObject({ ok: true, fields: [{ value: 'a"b' }] });
  });

  it("reports stray and unbalanced quotes", () => {
    expect(parseCsvRecord('ab"c')).toEqual({ ok: false, error: 'parse error on line 1, column 3: bare " in non-quoted-field' });
    expect(parseCsvRecord('"abc')).toEqual({ ok: false, error: 'parse error on line 1, column 1: extraneous or missing " in quoted-field' });
    expect(parseCsvRecord('"a"b')).toEqual({ ok: false, error: 'parse error on line 1, column 1: extraneous or missing " in quoted-field' });
  });
});
