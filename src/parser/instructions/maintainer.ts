/** MAINTAINER: deprecated author field (the lint rule MaintainerDeprecated flags it). */
import type { MaintainerInstruction } from "../ast.js";
import { nodeOf, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";
import { singleArg } from "./single.js";

/** lowerMaintainer takes exactly one argument, the whole rest of the line. */
export function lowerMaintainer(l: Lowering): MaintainerInstruction {
  const name = singleArg(l);
  flagsFor(l, "maintainer");
  return nodeOf(l.raw, { kind: "MAINTAINER", name });
}
