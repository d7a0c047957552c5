import { describe, expect, it } from "vitest";
import { newLowering } from "../../src/parser/instructions/common.js";
import { parseFlags, type FlagSpec } from "../../src/parser/instructions/flags.js";
import { levenshtein, suggest } from "../../src/parser/instructions/suggest.js";
import { CTX, rangeOf, rawOf } from "../helpers/raw.js";

const SPEC: FlagSpec = { link: "bool", from: "string", exclude: "list", chown: "string" };

function run(line: string) {
  const l = newLowering(rawOf(line), CTX);
  const parsed = parseFlags(l, l.raw.flags, SPEC);
  return { parsed, diags: l.diagnostics };
}

describe("parseFlags", () => {
  it("accepts bare and valued bool flags, case-insensitively", () => {
    expect(run("COPY --link a b").parsed.bool("link")).toBe(true);
    expect(run("COPY --link=TRUE a b").parsed.bool("link")).toBe(true);
    expect(run("COPY --link=False a b").parsed.bool("link")).toBe(false);
    expect(run("COPY a b").parsed.bool("link")).toBeUndefined();
    expect(run("COPY --link=false a b").diags).toEqual([]);
  });

  it("rejects an empty bool value", () => {
    const line = "COPY --link= a b";
    const { diags, parsed } = run(line);
    expect(diags).toMatchObject([{ code: "MissingFlagValue", message: "missing a value on flag: --link", range: rangeOf(line, "--link=") }]);
    expect(parsed.bool("link")).toBeUndefined();
  });

  it("rejects a non-boolean bool value at the value", () => {
    const line = "COPY --link=yes a b";
    expect(run(line).diags).toMatchObject([
      { code: "InvalidFlagValue", severity: "error", message: "expecting boolean value for flag --link, not: yes", range: rangeOf(line, "yes") },
    ]);
  });

  it("requires a value for string and list flags, but allows an empty one", () => {
    const line = "COPY --from a b";
    expect(run(line).diags).toMatchObject([{ code: "MissingFlagValue", message: "missing a value on flag: --from", range: rangeOf(line, "--from") }]);
    expect(run("COPY --exclude a b").diags[0]?.message).toBe("missing a value on flag: --exclude");
    const ok = run("COPY --from= a b");
    expect(ok.diags).toEqual([]);
    expect(ok.parsed.get("from")?.value).toBe("");
  });

  it("lets list flags repeat, in order", () => {
    const { parsed, diags } = run("COPY --exclude=a --exclude=b x y");
    expect(diags).toEqual([]);
    expect(parsed.all("exclude").map((f) => f.value)).toEqual(["a", "b"]);
  });

  it("reports a repeated non-list flag at the second one, keeping the first", () => {
    const line = "COPY --from=a --from=b x y";
    const { parsed, diags } = run(line);
    expect(diags).toMatchObject([
      {
        code: "DuplicateFlag",
        message: "duplicate flag specified: --from",
        range: rangeOf(line, "from", 12),
        notes: [{ message: "--from was first given here", range: rangeOf(line, "from") }],
      },
    ]);
    expect(parsed.get("from")?.value).toBe("a");
  });

  it("reports unknown flags at the name, with a suggestion when one is close", () => {
    const line = "COPY --lnk --bogus=1 a b";
    expect(run(line).diags).toMatchObject([
      { code: "UnknownFlag", message: "unknown flag: --lnk (did you mean link?)", range: rangeOf(line, "lnk") },
      { code: "UnknownFlag", message: "unknown flag: --bogus", range: rangeOf(line, "bogus") },
    ]);
  });

  it("reports every problem, not just the first", () => {
    expect(run("COPY --x --link=maybe --from a b").diags.map((d) => d.code)).toEqual(["UnknownFlag", "InvalidFlagValue", "MissingFlagValue"]);
  });

  it("does not treat object prototype names as known flags", () => {
    expect(run("COPY --constructor=1 a b").diags[0]?.message).toBe("unknown flag: --constructor");
  });
});

describe("suggest", () => {
  it("computes edit distances", () => {
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("", "abc")).toBe(3);
    expect(levenshtein("same", "same")).toBe(0);
  });

  it("picks the closest candidate below distance 3", () => {
    expect(suggest("chwn", ["chown", "chmod"], true)).toBe("chown");
    expect(suggest("xyzzy", ["chown", "chmod"], true)).toBeUndefined();
    expect(suggest("chown", ["chown"], true)).toBeUndefined();
  });

  it("follows the value's case when case-insensitive", () => {
    expect(suggest("RUNN", ["RUN", "ENV"], false)).toBe("RUN");
    expect(suggest("runn", ["RUN", "ENV"], false)).toBe("run");
    expect(suggest("Runn", ["RUN", "ENV"], false)).toBe("run");
  });
});
