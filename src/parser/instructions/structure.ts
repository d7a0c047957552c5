/** File-level rules of BuildKit's instructions.Parse that no single instruction can check. */
import type { Diagnostic } from "../../core/diagnostic.js";
import type { Instruction } from "../ast.js";

/**
 * checkStructure reports instructions that need a build stage but come before the first FROM:
 * only ARG (global build arguments) may precede it (`no build stage in current context`).
 * UNKNOWN instructions are skipped: they already carry their own error.
 */
export function checkStructure(instructions: readonly Instruction[], file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const ins of instructions) {
    if (ins.kind === "FROM") break;
    if (ins.kind === "ARG" || ins.kind === "UNKNOWN") continue;
    out.push({
      code: "NoBuildStage",
      severity: "error",
      message: "no build stage in current context",
      file,
      range: ins.keywordRange,
      notes: [{ message: `only ARG may come before the first FROM; start a stage with FROM before ${ins.keyword.toUpperCase()}` }],
    });
  }
  return out;
}
