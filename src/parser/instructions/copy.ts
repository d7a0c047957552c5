/** COPY: files from the context, a stage, an image or heredocs (reference.md "COPY"). */
import type { CopyInstruction, Flag } from "../ast.js";
import { nodeOf, report, type Lowering } from "./common.js";
import { copyLikeOf } from "./copy-like.js";
import { flagsFor } from "./flags.js";

/**
 * hasVariable is true when BuildKit's word processing would change `value`: it holds a `$`
 * reference or an escape character (BuildKit compares the expanded --from with the original).
 */
export function hasVariable(value: string, escapeChar: string): boolean {
  return /\$[A-Za-z0-9_{@*#?!$-]/.test(value) || value.includes(escapeChar);
}

/** lowerCopy adds COPY's own flags (--from without variables, --parents) to the shared fields. */
export function lowerCopy(l: Lowering): CopyInstruction {
  const f = flagsFor(l, "copy");
  const shared = copyLikeOf(l, f);
  const from: Flag | undefined = f.get("from");
  if (from?.value !== undefined && hasVariable(from.value, l.ctx.escapeChar)) {
    const msg = "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround";
    report(l, "VariableInFrom", msg, from.valueRange ?? from.range);
  }
  return Object.assign(nodeOf(l.raw, shared), { kind: "COPY" as const, from, parents: f.bool("parents") ?? false });
}
