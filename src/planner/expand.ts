/**
 * Expansion as the planner uses it: one instruction's words are all expanded against the
 * environment as it stood BEFORE the instruction (Dockerfile reference "Environment
 * replacement"). Failures become diagnostics pointing at the word.
 */
import type { Diagnostic, SourceRange } from "../core/diagnostic.js";
import type { Word } from "../parser/ast.js";
import { processWord, processWords, type ShellEnv } from "../parser/shell/index.js";

/** Expander expands words for one instruction against a fixed environment snapshot. */
export interface Expander {
  /** word expands one word to one string, or reports a diagnostic and returns undefined. */
  word(value: string, range: SourceRange): string | undefined;
  /** words expands with word splitting (EXPOSE). */
  words(value: string, range: SourceRange): string[] | undefined;
  /** Names looked up and not set, across every call (for UndefinedVar-style checks). */
  readonly unmatched: Set<string>;
}

/** makeExpander snapshots env and returns an expander that appends errors to diagnostics. */
export function makeExpander(
  env: ShellEnv,
  escapeChar: "\\" | "`",
  file: string,
  diagnostics: Diagnostic[],
): Expander {
  const snapshot: ShellEnv = new Map(env);
  const unmatched = new Set<string>();
  const fail = (message: string, range: SourceRange): undefined => {
    diagnostics.push({ code: "ExpansionError", severity: "error", message, file, range, notes: [] });
    return undefined;
  };
  return {
    unmatched,
    word(value, range) {
      const r = processWord(value, snapshot, { escapeChar });
      if (!r.ok) return fail(`cannot expand ${JSON.stringify(value)}: ${r.message}`, range);
      for (const n of r.unmatched) unmatched.add(n);
      return r.value;
    },
    words(value, range) {
      const r = processWords(value, snapshot, { escapeChar });
      if (!r.ok) return fail(`cannot expand ${JSON.stringify(value)}: ${r.message}`, range);
      for (const n of r.unmatched) unmatched.add(n);
      return [...r.value];
    },
  };
}

/** expandWord is a convenience for a Word. */
export function expandWord(x: Expander, w: Word): string | undefined {
  return x.word(w.value, w.range);
}
