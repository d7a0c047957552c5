/**
 * InvalidDefinitionDescription (experimental): the last comment line right above
 * `FROM ... AS name` or `ARG name...` is read as a description and should start with the name.
 */
import type { Instruction } from "../../ast.js";
import { RULES } from "../catalog.js";
import type { Rule } from "../types.js";

/** definedNames lists what an instruction defines: the stage name or the ARG names. */
function definedNames(ins: Instruction): string[] {
  if (ins.kind === "FROM") return ins.stageName ? [ins.stageName.value] : [];
  if (ins.kind === "ARG") return ins.decls.map((d) => d.name.value);
  return [];
}

/** description checks every FROM and ARG (meta ARGs included) that has comments above it. */
export const description: Rule = (input, report) => {
  for (const ins of input.ast.instructions) {
    const names = definedNames(ins);
    const last = ins.comments[ins.comments.length - 1];
    if (names.length === 0 || !last) continue;
    const first = last.text.trim().split(" ")[0] ?? "";
    if (names.includes(first)) continue;
    const example = names.length > 1 ? "<arg_key>" : (names[0] ?? "");
    const message = RULES.InvalidDefinitionDescription.message(ins.kind, example);
    report({ rule: "InvalidDefinitionDescription", message, range: ins.range, at: ins });
  }
};
