/** CMD: the default command of the image, in exec or shell form (reference.md "CMD"). */
import type { CmdInstruction } from "../ast.js";
import { commandOf } from "./command.js";
import { nodeOf, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";

/** lowerCmd checks CMD's flags (it has none) and builds its command. */
export function lowerCmd(l: Lowering): CmdInstruction {
  flagsFor(l, "cmd");
  return nodeOf(l.raw, { kind: "CMD", command: commandOf(l.raw) });
}
