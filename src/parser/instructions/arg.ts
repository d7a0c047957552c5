/** ARG: build arguments `NAME[=default] ...` (reference.md "ARG"; dockerfile-language.md section 8). */
import type { ArgDecl, ArgInstruction } from "../ast.js";
import { argsRange, nodeOf, report, subWord, type Lowering } from "./common.js";

/**
 * lowerArg splits each word at its first `=`: the key before it, the raw default after it.
 * Flags are never checked: BuildKit's parseArg skips flag parsing, so they are ignored.
 */
export function lowerArg(l: Lowering): ArgInstruction {
  const { raw } = l;
  if (raw.args.length === 0) report(l, "ArgumentCount", "ARG requires at least one argument", argsRange(raw));
  const decls: ArgDecl[] = [];
  for (const w of raw.args) {
    const eq = w.value.indexOf("=");
    if (eq === 0) {
      report(l, "BlankName", "ARG names can not be blank", w.range);
      continue;
    }
    const name = eq < 0 ? w : subWord(w, 0, eq);
    const defaultValue = eq < 0 ? undefined : subWord(w, eq + 1, w.value.length);
    decls.push({ name, defaultValue, range: w.range });
  }
  return nodeOf(raw, { kind: "ARG", decls });
}
