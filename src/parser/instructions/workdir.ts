/** WORKDIR: the working directory, relative to the previous one (reference.md "WORKDIR"). */
import type { WorkdirInstruction } from "../ast.js";
import { nodeOf, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";
import { singleArg } from "./single.js";

/** lowerWorkdir takes exactly one argument, the whole rest of the line (expanded by the planner). */
export function lowerWorkdir(l: Lowering): WorkdirInstruction {
  const path = singleArg(l);
  flagsFor(l, "workdir");
  return nodeOf(l.raw, { kind: "WORKDIR", path });
}
