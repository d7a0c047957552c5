/** ENV: environment variables for later instructions and the image (reference.md "ENV"). */
import type { EnvInstruction } from "../ast.js";
import { nodeOf, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";
import { pairsOf } from "./keyvalue.js";

/** lowerEnv checks ENV's flags (it has none) and builds its pairs; values stay raw. */
export function lowerEnv(l: Lowering): EnvInstruction {
  flagsFor(l, "env");
  return nodeOf(l.raw, { kind: "ENV", pairs: pairsOf(l) });
}
