/**
 * UndefinedVar: a variable an expanded word uses is neither in the stage environment nor a
 * declared ARG (BuildKit reportUnmatchedVariables). ARG defaults are checked declaration by
 * declaration, since each one sees the ones before it.
 */
import type { ArgInstruction } from "../../ast.js";
import { RULES } from "../catalog.js";
import { expandedWords } from "../expansions.js";
import { NON_ENV_ARGS, type ExpandResult, type Step } from "../scope.js";
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
  const env = new Map(step.env);
  const declared = new Set(step.declared);
  const buildArgs = input.options.buildArgs ?? new Map<string, string>();
  for (const decl of ins.decls) {
    const key = decl.name.value;
    let value = buildArgs.get(key);
    if (value === undefined && decl.defaultValue) {
      const r = input.expander.word(decl.defaultValue.value, env);
      reportUnmatched(r, env, declared, step, report);
      value = r?.value;
    } else if (value === undefined) {
      value = input.global.values.get(key);
    }
    if (value !== undefined && !NON_ENV_ARGS.has(key)) env.set(key, value);
    declared.add(key);
  }
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
