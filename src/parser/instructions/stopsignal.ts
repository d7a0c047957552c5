/** STOPSIGNAL: the signal that stops the container; checked at dispatch (reference.md "STOPSIGNAL"). */
import type { StopsignalInstruction } from "../ast.js";
import { nodeOf, type Lowering } from "./common.js";
import { singleArg } from "./single.js";

/**
 * lowerStopsignal takes exactly one argument. Its flags are never checked: BuildKit's
 * parseStopSignal skips flag parsing, so `STOPSIGNAL --x SIGTERM` is accepted; kept for parity.
 */
export function lowerStopsignal(l: Lowering): StopsignalInstruction {
  const signal = singleArg(l);
  return nodeOf(l.raw, { kind: "STOPSIGNAL", signal });
}
