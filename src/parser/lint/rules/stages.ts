/**
 * Stage naming rules: StageNameCasing and FromAsCasing (checked per FROM, as BuildKit's
 * instruction parser does) and DuplicateStageName and ReservedStageName (file-wide).
 */
import { RULES } from "../catalog.js";
import type { Rule } from "../types.js";

const RESERVED = new Set(["scratch", "context"]);

/** isUniform tells whether a word is all lower or all upper case. */
function isUniform(s: string): boolean {
  return s === s.toLowerCase() || s === s.toUpperCase();
}

/** stageCasing reports `FROM x AS Name` and an `AS` whose case differs from `FROM`'s. */
export const stageCasing: Rule = (input, report) => {
  for (const { from } of input.stages) {
    const name = from.stageName;
    if (name && name.value !== name.value.toLowerCase()) {
      report({ rule: "StageNameCasing", message: RULES.StageNameCasing.message(name.value), range: name.range, at: from });
    }
    const as = from.asKeyword;
    // A mixed-case FROM is ConsistentInstructionCasing's business, not this rule's.
    if (!as || !name || !isUniform(from.keyword)) continue;
    const fromLower = from.keyword === from.keyword.toLowerCase();
    const wanted = fromLower ? as.value.toLowerCase() : as.value.toUpperCase();
    if (as.value !== wanted) {
      report({ rule: "FromAsCasing", message: RULES.FromAsCasing.message(from.keyword, as.value), range: as.range, at: from });
    }
  }
};

/** stageNames reports reserved and repeated stage names (compared lower-cased). */
export const stageNames: Rule = (input, report) => {
  const seen = new Set<string>();
  for (const { from, name } of input.stages) {
    if (name === undefined || !from.stageName) continue;
    const range = from.stageName.range;
    if (RESERVED.has(name)) report({ rule: "ReservedStageName", message: RULES.ReservedStageName.message(name), range, at: undefined });
    if (seen.has(name)) report({ rule: "DuplicateStageName", message: RULES.DuplicateStageName.message(name), range, at: undefined });
    seen.add(name);
  }
};
