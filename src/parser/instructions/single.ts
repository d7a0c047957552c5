/** The one-argument instructions share this check: MAINTAINER, USER, WORKDIR and STOPSIGNAL. */
import type { Word } from "../ast.js";
import { argsRange, emptyWordAt, keywordName, report, type Lowering } from "./common.js";

/**
 * singleArg returns the instruction's one argument (layer 1 gives the whole rest as one word),
 * reporting `X requires exactly one argument` when there is none (or, defensively, several).
 */
export function singleArg(l: Lowering): Word {
  const { raw } = l;
  if (raw.args.length !== 1) {
    report(l, "ArgumentCount", `${keywordName(raw)} requires exactly one argument`, argsRange(raw));
  }
  return raw.args[0] ?? emptyWordAt(raw.keywordRange);
}
