/** Unknown keywords: kept as UNKNOWN nodes so tools still see them, reported as errors. */
import type { UnknownInstruction } from "../ast.js";
import { nodeOf, report, type Lowering } from "./common.js";
import { withSuggestion } from "./suggest.js";

/** INSTRUCTION_NAMES lists every Dockerfile instruction, for "did you mean" suggestions. */
export const INSTRUCTION_NAMES = [
  "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
  "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
] as const;

/**
 * lowerUnknown reports `unknown instruction: X` (with a suggestion) at the keyword. An empty
 * keyword means layer 1 could not read the line and has reported that already.
 */
export function lowerUnknown(l: Lowering): UnknownInstruction {
  const { raw } = l;
  if (raw.keyword === "") return nodeOf(raw, { kind: "UNKNOWN" });
  const msg = withSuggestion(`unknown instruction: ${raw.keyword}`, raw.keyword, INSTRUCTION_NAMES, false);
  report(l, "UnknownInstruction", msg, raw.keywordRange);
  return nodeOf(raw, { kind: "UNKNOWN" });
}
