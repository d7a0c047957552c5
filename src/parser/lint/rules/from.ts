/**
 * FROM rules (BuildKit buildDispatchStates and validateBaseImagesWithDefaultArgs):
 * UndefinedArgInFrom, RedundantTargetPlatform, FromPlatformFlagConstDisallowed and
 * InvalidDefaultArgInFrom. FROM lines see only the global scope.
 */
import type { FromInstruction } from "../../ast.js";
import { RULES } from "../catalog.js";
import { isValidImageReference, parsePlatform } from "../reference.js";
import type { ExpandResult } from "../scope.js";
import { suggest } from "../suggest.js";
import type { Finding, Rule, RuleInput } from "../types.js";

/** undeclared reports variables a FROM word uses that no meta ARG or automatic ARG declares. */
function undeclared(input: RuleInput, from: FromInstruction, result: ExpandResult, report: (f: Finding) => void): void {
  for (const name of result.unmatched) {
    if (input.global.declared.has(name)) continue;
    const message = RULES.UndefinedArgInFrom.message(name, suggest(name, input.global.declared));
    report({ rule: "UndefinedArgInFrom", message, range: from.range, at: from });
  }
}

/** platformChecks reports `--platform=$TARGETPLATFORM` and constant platforms. */
function platformChecks(input: RuleInput, from: FromInstruction, raw: string, m: ExpandResult, report: (f: Finding) => void): void {
  const range = from.platform?.range ?? from.range;
  if (m.matched.size === 1 && m.unmatched.size === 0 && m.matched.has("TARGETPLATFORM")) {
    if (m.value === input.global.values.get("TARGETPLATFORM")) {
      report({ rule: "RedundantTargetPlatform", message: RULES.RedundantTargetPlatform.message(raw), range, at: from });
    }
  }
  if (m.matched.size > 0 || m.unmatched.size > 0) return;
  const p = parsePlatform(m.value);
  if (!p) return;
  // A stage named after the OS or architecture it pins is the intended use.
  const stage = from.stageName?.value ?? "";
  if (stage.includes(p.os) || stage.includes(p.arch)) return;
  report({ rule: "FromPlatformFlagConstDisallowed", message: RULES.FromPlatformFlagConstDisallowed.message(m.value), range, at: from });
}

/** fromArgs runs the per-FROM checks against the global scope (build args applied). */
export const fromArgs: Rule = (input, report) => {
  for (const { from } of input.stages) {
    const name = input.expander.word(from.image.value, input.global.values);
    if (name) undeclared(input, from, name, report);
    const raw = from.platform?.value;
    if (raw === undefined || raw === "") continue;
    const plat = input.expander.word(raw, input.global.values);
    if (!plat) continue;
    undeclared(input, from, plat, report);
    platformChecks(input, from, raw, plat, report);
  }
};

/**
 * invalidDefaultArg expands every base image name with the ARG defaults only (no build args)
 * and reports names that are not valid image references. Like BuildKit, it stops at the first
 * expansion error, which the build reports itself.
 */
export const invalidDefaultArg: Rule = (input, report) => {
  for (const { from } of input.stages) {
    const r = input.expander.word(from.image.value, input.global.defaultValues);
    if (!r) return;
    if (isValidImageReference(r.value)) continue;
    const message = RULES.InvalidDefaultArgInFrom.message(from.image.value);
    report({ rule: "InvalidDefaultArgInFrom", message, range: from.image.range, at: undefined });
  }
};
