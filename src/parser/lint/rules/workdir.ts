/**
 * WorkdirRelativePath: the first WORKDIR of a stage chain (a stage and the stages it is built
 * on) is relative, so the result depends on the base image's working directory.
 */
import { RULES } from "../catalog.js";
import type { Rule } from "../types.js";

/** workdir checks each WORKDIR that runs before any other WORKDIR of its chain. */
export const workdir: Rule = (input, report) => {
  for (const step of input.steps) {
    const ins = step.instruction;
    if (ins.kind !== "WORKDIR" || step.workdirSet) continue;
    const path = input.expander.word(ins.path.value, step.env)?.value;
    if (path === undefined || path.startsWith("/")) continue;
    report({ rule: "WorkdirRelativePath", message: RULES.WorkdirRelativePath.message(path), range: ins.path.range, at: ins });
  }
};
