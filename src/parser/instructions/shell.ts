/** SHELL: the shell for later shell-form commands; JSON form only (reference.md "SHELL"). */
import type { ShellInstruction } from "../ast.js";
import { argsRange, nodeOf, report, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";

/** lowerShell requires a JSON array with at least one element. */
export function lowerShell(l: Lowering): ShellInstruction {
  flagsFor(l, "shell");
  const { raw } = l;
  if (raw.args.length === 0) {
    report(l, "ArgumentCount", "SHELL requires at least one argument", argsRange(raw));
  } else if (!raw.json) {
    report(l, "NotJSONForm", "SHELL requires the arguments to be in JSON form", argsRange(raw));
  }
  return nodeOf(raw, { kind: "SHELL", shell: raw.json ? raw.args : [] });
}
