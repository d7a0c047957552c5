/**
 * ConsistentInstructionCasing: every keyword of every stage (FROM included, meta ARGs before
 * the first FROM not) should follow the majority case; a mixed-case keyword always differs.
 */
import { RULES } from "../catalog.js";
import type { Rule } from "../types.js";
import type { Instruction } from "../../ast.js";

/** consistentCasing counts upper- and lower-case keywords, then reports the odd ones out. */
export const consistentCasing: Rule = (input, report) => {
  const all: Instruction[] = [];
  for (const stage of input.stages) all.push(stage.from, ...stage.instructions);
  let lower = 0;
  let upper = 0;
  for (const ins of all) {
    if (ins.keyword === ins.keyword.toLowerCase()) lower++;
    else if (ins.keyword === ins.keyword.toUpperCase()) upper++;
  }
  // Ties go to upper case, as in BuildKit (majority lower only when strictly more).
  const majorityLower = lower > upper;
  for (const ins of all) {
    const expected = majorityLower ? ins.keyword.toLowerCase() : ins.keyword.toUpperCase();
    if (ins.keyword === expected) continue;
    const message = RULES.ConsistentInstructionCasing.message(ins.keyword, majorityLower ? "lowercase" : "uppercase");
    report({ rule: "ConsistentInstructionCasing", message, range: ins.keywordRange, at: undefined });
  }
};
