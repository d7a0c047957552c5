import { describe, expect, it } from "vitest";
import { parseChmod } from "../../src/executor/ops/chmod.js";

describe("--chmod", () => {
  it("applies octal modes as given", () => {
    expect(parseChmod("755")!(0o600, false)).toBe(0o755);
    expect(parseChmod(undefined)).toBeUndefined();
  });

  it("applies symbolic modes to each entry's own mode, X only for dirs and executables", () => {
    const f = parseChmod("u=rwX,go=rX")!;
    expect(f(0o600, false)).toBe(0o644);
    expect(f(0o700, false)).toBe(0o755);
    expect(f(0o600, true)).toBe(0o755);
    expect(parseChmod("a+x")!(0o644, false)).toBe(0o755);
    expect(parseChmod("go-w")!(0o777, false)).toBe(0o755);
    expect(parseChmod("g=u")!(0o740, false)).toBe(0o770);
    expect(parseChmod("u+s")!(0o755, false)).toBe(0o4755);
    expect(parseChmod("o=")!(0o777, false)).toBe(0o770);
  });

  it("refuses what is not a mode, naming the bad clause", () => {
    expect(() => parseChmod("u=rw,bogus")).toThrow(/"bogus" is not a mode/);
    expect(() => parseChmod("999")).toThrow(/not a mode/);
  });
});
