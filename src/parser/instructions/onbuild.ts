/** ONBUILD: a trigger instruction stored in the image, run by builds based on it (reference.md "ONBUILD"). */
import type { Diagnostic } from "../../core/diagnostic.js";
import type { Instruction, OnbuildInstruction } from "../ast.js";
import type { LowerContext, LowerResult, RawInstruction } from "../raw.js";
import { argsRange, nodeOf, report, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";

/** LowerFn lowers one RawInstruction; passed in so this file does not import the dispatcher. */
export type LowerFn = (raw: RawInstruction, ctx: LowerContext) => LowerResult;

const FORBIDDEN = new Set(["ONBUILD", "FROM", "MAINTAINER"]);

/**
 * triggerTextOf is the trigger as the image config stores it: the line without `ONBUILD`, then
 * `\n` + body + name for each heredoc (BuildKit's parseOnBuild).
 */
export function triggerTextOf(raw: RawInstruction, trigger: RawInstruction): string {
  const heredocs = raw.heredocs.length > 0 ? raw.heredocs : trigger.heredocs;
  return raw.text.trimStart() + heredocs.map((h) => `\n${h.content}${h.name}`).join("");
}

// Deviation: trigger problems are reported now, as warnings (grammar/DEVIATIONS.md).
/**
 * asTriggerDiagnostic turns a trigger's error into a warning. BuildKit does not look
 * at the trigger until a child build runs it; tsbuild reports its problems early, as warnings,
 * so the build still succeeds wherever BuildKit's does.
 */
function asTriggerDiagnostic(d: Diagnostic): Diagnostic {
  const note = { message: "in an ONBUILD trigger: it would fail in builds that use this image as a base" };
  return { ...d, severity: d.severity === "error" ? "warning" : d.severity, notes: [...d.notes, note] };
}

/** lowerOnbuild checks the trigger keyword (no ONBUILD, FROM or MAINTAINER), then lowers the trigger. */
export function lowerOnbuild(l: Lowering, lower: LowerFn): OnbuildInstruction {
  const { raw } = l;
  flagsFor(l, "onbuild");
  const trigger = raw.trigger;
  if (!trigger) {
    report(l, "ArgumentCount", "ONBUILD requires at least one argument", argsRange(raw));
    const empty: Instruction = nodeOf(raw, { kind: "UNKNOWN" });
    return nodeOf(raw, { kind: "ONBUILD", trigger: empty, triggerText: "" });
  }
  const name = trigger.keyword.toUpperCase();
  if (name === "ONBUILD") {
    report(l, "InvalidOnbuild", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", trigger.keywordRange);
  } else if (FORBIDDEN.has(name)) {
    report(l, "InvalidOnbuild", `${name} isn't allowed as an ONBUILD trigger`, trigger.keywordRange);
  }
  const withBodies = trigger.heredocs.length === 0 && raw.heredocs.length > 0 ? { ...trigger, heredocs: raw.heredocs } : trigger;
  const inner = lower(withBodies, l.ctx);
  if (!FORBIDDEN.has(name)) l.diagnostics.push(...inner.diagnostics.map(asTriggerDiagnostic));
  return nodeOf(raw, { kind: "ONBUILD", trigger: inner.instruction, triggerText: triggerTextOf(raw, trigger) });
}
