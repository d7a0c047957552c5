/** EXPOSE: ports; each argument is expanded with word splitting by the planner (reference.md "EXPOSE"). */
import type { ExposeInstruction } from "../ast.js";
import { argsRange, nodeOf, report, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";

/** lowerExpose needs at least one port; port syntax is checked after expansion, by the planner. */
export function lowerExpose(l: Lowering): ExposeInstruction {
  const { raw } = l;
  if (raw.args.length === 0) report(l, "ArgumentCount", "EXPOSE requires at least one argument", argsRange(raw));
  flagsFor(l, "expose");
  return nodeOf(raw, { kind: "EXPOSE", ports: raw.args });
}
