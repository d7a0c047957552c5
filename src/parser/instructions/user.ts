/** USER: `user[:group]` for later instructions and the image (reference.md "USER"). */
import type { UserInstruction } from "../ast.js";
import { nodeOf, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";
import { singleArg } from "./single.js";

/** lowerUser takes exactly one argument, the whole rest of the line (expanded by the planner). */
export function lowerUser(l: Lowering): UserInstruction {
  const user = singleArg(l);
  flagsFor(l, "user");
  return nodeOf(l.raw, { kind: "USER", user });
}
