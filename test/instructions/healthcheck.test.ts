import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/parser/instructions/duration.js";
import { lowerAs, messages } from "../helpers/lower.js";
import { rangeOf } from "../helpers/raw.js";

const S = 1e9;

describe("parseDuration", () => {
  it.each([
    ["30s", 30 * S],
    ["1m30s", 90 * S],
    ["1h2m3.5s", 3723.5 * S],
    ["0", 0],
    ["-0", 0],
    ["1.5ms", 1_500_000],
    ["100us", 100_000],
    ["100\u00b5s", 100_000],
    [".5s", 0.5 * S],
    ["1.s", S],
    ["-2s", -2 * S],
    ["+3ns", 3],
  ])("parses %s", (text, nanos) => {
    expect(parseDuration(text)).toEqual({ ok: true, nanos });
  });

  it("gives Go's error messages", () => {
    expect(parseDuration("")).toEqual({ ok: false, error: 'time: invalid duration ""' });
    expect(parseDuration("abc")).toEqual({ ok: false, error: 'time: invalid duration "abc"' });
    expect(parseDuration(".s")).toEqual({ ok: false, error: 'time: invalid duration ".s"' });
    expect(parseDuration("10")).toEqual({ ok: false, error: 'time: missing unit in duration "10"' });
    expect(parseDuration("10d")).toEqual({ ok: false, error: 'time: unknown unit "d" in duration "10d"' });
    expect(parseDuration("3000000h")).toEqual({ ok: false, error: 'time: invalid duration "3000000h"' });
  });
});

describe("HEALTHCHECK", () => {
  it("reads CMD with every flag, durations in nanoseconds", () => {
    const line = "HEALTHCHECK --interval=1m30s --timeout=5s --start-period=0 --start-interval=2s --retries=3 CMD curl -f http://localhost/";
    const { ins, diags } = lowerAs("HEALTHCHECK", line);
    expect(diags).toEqual([]);
    if (ins.type !== "CMD") throw new Error("expected CMD");
    expect(ins).toMatchObject({ interval: 90 * S, timeout: 5 * S, startPeriod: 0, startInterval: 2 * S, retries: 3 });
    expect(ins.command).toEqual({ form: "shell", script: { value: "curl -f http://localhost/", range: rangeOf(line, "curl -f http://localhost/") } });
  });

  it("leaves unset flags undefined and reads the exec form", () => {
    const { ins } = lowerAs("HEALTHCHECK", 'HEALTHCHECK cmd ["/check", "--quiet"]');
    if (ins.type !== "CMD") throw new Error("expected CMD");
    expect(ins).toMatchObject({ interval: undefined, timeout: undefined, retries: undefined });
    expect(ins.command.form === "exec" && ins.command.argv.map((w) => w.value)).toEqual(["/check", "--quiet"]);
  });

  it("takes NONE without arguments and without parsing flags", () => {
    expect(lowerAs("HEALTHCHECK", "HEALTHCHECK NONE").ins.type).toBe("NONE");
    expect(messages("HEALTHCHECK --bogus=1 none")).toEqual([]);
    const line = "HEALTHCHECK NONE extra args";
    expect(lowerAs("HEALTHCHECK", line).diags).toMatchObject([
      { code: "ArgumentCount", message: "HEALTHCHECK NONE takes no arguments", range: rangeOf(line, "extra args") },
    ]);
  });

  it("needs a type and a command", () => {
    expect(messages("HEALTHCHECK")).toEqual(["HEALTHCHECK requires at least one argument"]);
    const line = "HEALTHCHECK CMD";
    expect(lowerAs("HEALTHCHECK", line).diags).toMatchObject([
      { code: "InvalidHealthcheck", message: "Missing command after HEALTHCHECK CMD", range: rangeOf(line, "CMD") },
    ]);
    expect(messages("HEALTHCHECK CMD []")).toEqual(["Missing command after HEALTHCHECK CMD"]);
  });

  it("rejects other types, upper-cased, at the type", () => {
    const line = "HEALTHCHECK connect TCP 7000";
    expect(lowerAs("HEALTHCHECK", line).diags).toMatchObject([
      { code: "InvalidHealthcheck", message: 'Unknown type "CONNECT" in HEALTHCHECK (try CMD)', range: rangeOf(line, "connect") },
    ]);
  });

  it("checks flags before the type", () => {
    expect(messages("HEALTHCHECK --intervall=1s CONNECT x")).toEqual([
      "unknown flag: --intervall (did you mean interval?)",
      'Unknown type "CONNECT" in HEALTHCHECK (try CMD)',
    ]);
  });

  it("rejects bad durations at the value", () => {
    const line = "HEALTHCHECK --interval=10 CMD true";
    expect(lowerAs("HEALTHCHECK", line).diags).toMatchObject([
      { code: "InvalidFlagValue", message: 'time: missing unit in duration "10"', range: rangeOf(line, "10") },
    ]);
    expect(messages("HEALTHCHECK --timeout=500us CMD true")).toEqual(['Interval "timeout" cannot be less than 1ms']);
    expect(messages("HEALTHCHECK --start-period=-1s CMD true")).toEqual(['Interval "start-period" cannot be less than 1ms']);
    expect(messages("HEALTHCHECK --start-interval=1ms --interval= CMD true")).toEqual([]);
  });

  it("rejects bad retries", () => {
    expect(messages("HEALTHCHECK --retries=-1 CMD true")).toEqual(["--retries cannot be negative (-1)"]);
    expect(messages("HEALTHCHECK --retries=two CMD true")).toEqual(['strconv.ParseInt: parsing "two": invalid syntax']);
    expect(messages("HEALTHCHECK --retries=3000000000 CMD true")).toEqual(['strconv.ParseInt: parsing "3000000000": value out of range']);
    expect(messages("HEALTHCHECK --retries=0 CMD true")).toEqual([]);
  });
});
