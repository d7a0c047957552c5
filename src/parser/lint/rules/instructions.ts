/**
 * Per-instruction rules that need no variable expansion: MaintainerDeprecated,
 * JSONArgsRecommended, MultipleInstructionsDisallowed and LegacyKeyValueFormat.
 */
import type { Instruction } from "../../ast.js";
import { RULES } from "../catalog.js";
import type { Rule } from "../types.js";

/** maintainer reports every MAINTAINER. */
export const maintainer: Rule = (input, report) => {
  for (const ins of input.ast.instructions) {
    if (ins.kind !== "MAINTAINER") continue;
    report({ rule: "MaintainerDeprecated", message: RULES.MaintainerDeprecated.message(), range: ins.range, at: ins });
  }
};

/** jsonArgs reports shell-form CMD and ENTRYPOINT unless a SHELL instruction set the shell. */
export const jsonArgs: Rule = (input, report) => {
  for (const step of input.steps) {
    const ins = step.instruction;
    if ((ins.kind !== "CMD" && ins.kind !== "ENTRYPOINT") || ins.command.form !== "shell" || step.shellSet) continue;
    report({ rule: "JSONArgsRecommended", message: RULES.JSONArgsRecommended.message(ins.keyword), range: ins.range, at: ins });
  }
};

/**
 * singleUse reports an earlier CMD, ENTRYPOINT or HEALTHCHECK of a stage that a later one of
 * the same kind overrides; the finding points at the overridden one, and the later
 * instruction's `# check=` comment decides, as in BuildKit.
 */
export const singleUse: Rule = (input, report) => {
  for (const stage of input.stages) {
    const last = new Map<string, Instruction>();
    for (const ins of stage.instructions) {
      if (ins.kind !== "CMD" && ins.kind !== "ENTRYPOINT" && ins.kind !== "HEALTHCHECK") continue;
      const prev = last.get(ins.kind);
      if (prev) {
        const message = RULES.MultipleInstructionsDisallowed.message(ins.keyword);
        report({ rule: "MultipleInstructionsDisallowed", message, range: prev.range, at: ins });
      }
      last.set(ins.kind, ins);
    }
  }
};

/** legacyKeyValue reports `ENV key value` and `LABEL key value` pairs. */
export const legacyKeyValue: Rule = (input, report) => {
  for (const step of input.steps) {
    const ins = step.instruction;
    if (ins.kind !== "ENV" && ins.kind !== "LABEL") continue;
    for (const pair of ins.pairs) {
      if (!pair.legacy) continue;
      report({ rule: "LegacyKeyValueFormat", message: RULES.LegacyKeyValueFormat.message(ins.keyword), range: ins.range, at: ins });
    }
  }
};
