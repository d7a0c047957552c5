/** FROM: starts a build stage, `FROM [--platform=P] image [AS name]` (reference.md "FROM"). */
import type { FromInstruction, Word } from "../ast.js";
import { argsRange, nodeOf, emptyWordAt, report, type Lowering } from "./common.js";
import { flagsFor } from "./flags.js";

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/**
 * lowerFrom takes one argument, or three with `AS` in any case. The stage name is matched in
 * lower case against `^[a-z][a-z0-9-_.]*$`; it is kept as written (the planner lower-cases it,
 * the lint rule StageNameCasing reads the original).
 */
export function lowerFrom(l: Lowering): FromInstruction {
  const { raw } = l;
  const f = flagsFor(l, "from");
  const [image, asWord, nameWord] = raw.args;
  let stageName: Word | undefined;
  let asKeyword: Word | undefined;
  if (raw.args.length === 3 && asWord && nameWord && asWord.value.toLowerCase() === "as") {
    asKeyword = asWord;
    stageName = nameWord;
    if (!STAGE_NAME.test(nameWord.value.toLowerCase())) {
      const msg = `invalid name for build stage: ${JSON.stringify(nameWord.value)}, name can't start with a number or contain symbols`;
      report(l, "InvalidStageName", msg, nameWord.range);
    }
  } else if (raw.args.length !== 1) {
    report(l, "ArgumentCount", "FROM requires either one or three arguments", argsRange(raw));
  }
  return nodeOf(raw, {
    kind: "FROM",
    image: image ?? emptyWordAt(raw.keywordRange),
    stageName,
    asKeyword,
    platform: f.get("platform"),
  });
}
