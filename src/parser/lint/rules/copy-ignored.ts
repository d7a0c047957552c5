/**
 * CopyIgnoredFile: a COPY or ADD source from the build context that the .dockerignore excludes.
 * Skipped without an ignore file and when it has `!` exceptions (a directory may be excluded
 * while a file in it is re-included, which a static check cannot judge).
 */
import { goClean, type IgnoreMatcher } from "../../../core/dockerignore.js";
import { RULES } from "../catalog.js";
import { contextSources } from "../expansions.js";
import type { Rule } from "../types.js";

const REMOTE = /^(?:https?:\/\/|git@|git:\/\/|ssh:\/\/)/;
const ROOT_PATTERNS = new Set(["*", "**", "**/*"]);

/** rootIgnored tells whether a pattern excludes every entry of the context root. */
function rootIgnored(m: IgnoreMatcher): boolean {
  return m.patterns.some((p) => !p.exclusion && ROOT_PATTERNS.has(p.pattern));
}

/** copyIgnored checks context sources (COPY without --from, ADD of local paths). */
export const copyIgnored: Rule = (input, report) => {
  const m = input.options.dockerignore;
  if (!m || m.hasExclusions) return;
  for (const step of input.steps) {
    const ins = step.instruction;
    if (ins.kind !== "COPY" && ins.kind !== "ADD") continue;
    if (ins.kind === "COPY" && ins.from) continue;
    const verb = ins.kind === "COPY" ? "Copy" : "Add";
    for (const w of contextSources(ins)) {
      const expanded = input.expander.word(w.value, step.env)?.value;
      if (expanded === undefined || (ins.kind === "ADD" && REMOTE.test(expanded))) continue;
      const src = goClean(expanded);
      // `.` and `/` are the context root itself; only an ignore-everything pattern hits them.
      const excluded = src === "." || src === "/" ? rootIgnored(m) : m.matches(src);
      if (!excluded) continue;
      report({ rule: "CopyIgnoredFile", message: RULES.CopyIgnoredFile.message(verb, src), range: w.range, at: ins });
    }
  }
};
