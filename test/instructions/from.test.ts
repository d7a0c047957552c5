import { describe, expect, it } from "vitest";
import { lower, lowerAs, messages } from "../helpers/lower.js";
import { rangeOf } from "../helpers/raw.js";

describe("FROM", () => {
  it("takes an image, an optional AS name in any case, and --platform", () => {
    const line = "FROM --platform=linux/arm64 alpine:3.20 as Build";
    const { ins, diags } = lowerAs("FROM", line);
    expect(diags).toEqual([]);
    expect(ins.image.value).toBe("alpine:3.20");
    expect(ins.asKeyword?.value).toBe("as");
    expect(ins.stageName).toEqual({ value: "Build", range: rangeOf(line, "Build") });
    expect(ins.platform?.value).toBe("linux/arm64");
  });

  it("accepts one argument", () => {
    const { ins, diags } = lowerAs("FROM", "FROM scratch");
    expect(diags).toEqual([]);
    expect(ins.stageName).toBeUndefined();
    expect(ins.platform).toBeUndefined();
  });

  it.each(["FROM a b", "FROM a AS", "FROM a AS b c", "FROM a is b", "FROM"])("rejects %s", (line) => {
    const { diags } = lower(line);
    expect(diags.map((d) => d.message)).toEqual(["FROM requires either one or three arguments"]);
    expect(diags[0]?.code).toBe("ArgumentCount");
  });

  it("points the argument-count error at the arguments, or the keyword when there are none", () => {
    expect(lower("FROM a b").diags[0]?.range).toEqual(rangeOf("FROM a b", "a b"));
    expect(lower("FROM").diags[0]?.range).toEqual(rangeOf("FROM", "FROM"));
  });

  it.each(["1stage", "st@ge", "_x", "-x", "a/b"])("rejects the stage name %s at the name", (name) => {
    const line = `FROM alpine AS ${name}`;
    const { diags } = lower(line);
    expect(diags).toMatchObject([
      {
        code: "InvalidStageName",
        message: `invalid name for build stage: "${name}", name can't start with a number or contain symbols`,
        range: rangeOf(line, name, 12),
      },
    ]);
  });

  it.each(["a", "build-2", "my_stage.v1", "UPPER"])("accepts the stage name %s", (name) => {
    expect(messages(`FROM alpine AS ${name}`)).toEqual([]);
  });

  it("rejects unknown flags", () => {
    expect(messages("FROM --plattform=x alpine")).toEqual(["unknown flag: --plattform (did you mean platform?)"]);
  });
});
