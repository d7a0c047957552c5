/** HEALTHCHECK: `NONE`, or `[flags] CMD <command>` (reference.md "HEALTHCHECK"). */
import type { Flag, HealthcheckInstruction } from "../ast.js";
import { commandIsEmpty, commandOf } from "./command.js";
import { argsRange, nodeOf, report, span, type Lowering } from "./common.js";
import { parseDuration } from "./duration.js";
import { flagsFor, type ParsedFlags } from "./flags.js";

const MIN_INTERVAL_NANOS = 1_000_000;
const MAX_INT32 = 2 ** 31 - 1;

/** interval reads one duration flag in nanoseconds: undefined when absent or empty; 0 means the default. */
function interval(l: Lowering, f: ParsedFlags, name: string): number | undefined {
  const flag = f.get(name);
  if (!flag?.value) return undefined;
  const where = flag.valueRange ?? flag.range;
  const d = parseDuration(flag.value);
  if (!d.ok) {
    report(l, "InvalidFlagValue", d.error, where);
    return undefined;
  }
  if (d.nanos !== 0 && d.nanos < MIN_INTERVAL_NANOS) {
    report(l, "InvalidFlagValue", `Interval ${JSON.stringify(name)} cannot be less than 1ms`, where);
    return undefined;
  }
  return d.nanos;
}

/** retries reads --retries: a 32-bit integer, at least 0 (strconv.ParseInt's messages). */
function retries(l: Lowering, flag: Flag | undefined): number | undefined {
  if (!flag?.value) return undefined;
  const where = flag.valueRange ?? flag.range;
  if (!/^[+-]?\d+$/.test(flag.value)) {
    report(l, "InvalidFlagValue", `strconv.ParseInt: parsing ${JSON.stringify(flag.value)}: invalid syntax`, where);
    return undefined;
  }
  const n = Number(flag.value);
  if (Math.abs(n) > MAX_INT32 + (n < 0 ? 1 : 0)) {
    report(l, "InvalidFlagValue", `strconv.ParseInt: parsing ${JSON.stringify(flag.value)}: value out of range`, where);
    return undefined;
  }
  if (n < 0) {
    report(l, "InvalidFlagValue", `--retries cannot be negative (${n})`, where);
    return undefined;
  }
  return n;
}

/**
 * lowerHealthcheck handles both forms. For NONE the flags are never parsed (BuildKit quirk: they
 * are silently ignored); for any other type they are checked before the type is.
 */
export function lowerHealthcheck(l: Lowering): HealthcheckInstruction {
  const { raw } = l;
  const typeWord = raw.args[0];
  if (!typeWord) report(l, "ArgumentCount", "HEALTHCHECK requires at least one argument", argsRange(raw));
  const type = typeWord?.value.toUpperCase() ?? "";
  if (type === "NONE") {
    const extra = raw.args.slice(1);
    const first = extra[0];
    const last = extra[extra.length - 1];
    if (first && last) report(l, "ArgumentCount", "HEALTHCHECK NONE takes no arguments", span(first.range, last.range));
    return nodeOf(raw, { kind: "HEALTHCHECK", type: "NONE" });
  }
  const f = flagsFor(l, "healthcheck");
  const command = commandOf(raw, 1);
  if (typeWord && type !== "CMD") {
    report(l, "InvalidHealthcheck", `Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`, typeWord.range);
  } else if (typeWord && commandIsEmpty(command)) {
    report(l, "InvalidHealthcheck", "Missing command after HEALTHCHECK CMD", typeWord.range);
  }
  return nodeOf(raw, {
    kind: "HEALTHCHECK",
    type: "CMD",
    command,
    interval: interval(l, f, "interval"),
    timeout: interval(l, f, "timeout"),
    startPeriod: interval(l, f, "start-period"),
    startInterval: interval(l, f, "start-interval"),
    retries: retries(l, f.get("retries")),
  });
}
