/** LABEL: image metadata pairs (reference.md "LABEL"). */
import type { LabelInstruction } from "../ast.js";
import { nodeOf, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";
import { pairsOf } from "./keyvalue.js";

/** lowerLabel checks LABEL's flags (it has none) and builds its pairs; values stay raw. */
export function lowerLabel(l: Lowering): LabelInstruction {
  flagsFor(l, "label");
  return nodeOf(l.raw, { kind: "LABEL", pairs: pairsOf(l) });
}
