/** ENTRYPOINT: the image's entrypoint, in exec or shell form; `ENTRYPOINT []` clears it. */
import type { EntrypointInstruction } from "../ast.js";
import { commandOf } from "./command.js";
import { nodeOf, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";

/** lowerEntrypoint checks ENTRYPOINT's flags (it has none) and builds its command. */
export function lowerEntrypoint(l: Lowering): EntrypointInstruction {
  flagsFor(l, "entrypoint");
  return nodeOf(l.raw, { kind: "ENTRYPOINT", command: commandOf(l.raw) });
}
