/**
 * UndefinedVar: a variable an expanded word uses is neither in the stage environment nor a
 * declared ARG (BuildKit reportUnmatchedVariables). ARG defaults are checked declaration by
 * declaration, since each one sees the ones before it.
 */
import type { ArgInstruction } from "../../ast.js";
import { RULES } from "../catalog.js";
import { expandedWords } from "../expansions.js";
import { dispatchArg, NON_ENV_ARGS } from "../../arg-scope.js";
import type { ExpandResult, Step } from "../scope.js";
import { suggest } from "../suggest.js";
import type { Finding, Rule, RuleInput } from "../types.js";

/** reportUnmatched reports the unmatched names of one expansion that are not excused. */
function reportUnmatched(
  r: ExpandResult | undefined,
  env: ReadonlyMap<string, string>,
  declared: ReadonlySet<string>,
  step: Step,
  report: (f: Finding) => void,
): void {
  for (const name of r?.unmatched ?? []) {
    if (declared.has(name) || NON_ENV_ARGS.has(name)) continue;
    const message = RULES.UndefinedVar.message(name, suggest(name, env.keys()));
    report({ rule: "UndefinedVar", message, range: step.instruction.range, at: step.instruction });
  }
}

/** argDefaults walks one ARG's declarations, growing the environment as dispatchArg does. */
function argDefaults(input: RuleInput, ins: ArgInstruction, step: Step, report: (f: Finding) => void): void {
  const declared = new Set(step.declared);
  const expand = (value: { value: string }, env: ReadonlyMap<string, string>): string | undefined => {
    const r = input.expander.word(value.value, env);
    reportUnmatched(r, env, declared, step, report);
    return r?.value;
  };
  const buildArgs = input.options.buildArgs ?? new Map<string, string>();
  dispatchArg(ins, new Map(step.env), { buildArgs, globals: input.global.values, expand }, declared);
}

/** undefinedVar checks every expanded word of every stage instruction. */
export const undefinedVar: Rule = (input, report) => {
  for (const step of input.steps) {
    const ins = step.instruction;
    if (ins.kind === "ARG") {
      argDefaults(input, ins, step, report);
      continue;
    }
    for (const w of expandedWords(ins)) {
      const r = w.raw ? input.expander.raw(w.text, step.env) : input.expander.word(w.text, step.env);
      reportUnmatched(r, step.env, step.declared, step, report);
    }
  }
};
