/**
 * shellExpander adapts src/parser/shell to the linter's Expander: expansion errors become
 * undefined (the build reports them; the linter just skips the word).
 */
import { expandHeredocBody, processWord, processWords } from "../shell/index.js";
import type { Expander } from "./scope.js";

/** shellExpander builds an Expander for a file's escape character. */
export function shellExpander(escapeChar: "\\" | "`"): Expander {
  return {
    word(text, env) {
      const r = processWord(text, env, { escapeChar });
      return r.ok ? { value: r.value, matched: r.matched, unmatched: r.unmatched } : undefined;
    },
    words(text, env) {
      const r = processWords(text, env, { escapeChar });
      return r.ok ? r.value : undefined;
    },
    raw(text, env) {
      const r = expandHeredocBody(text, env);
      return r.ok ? { value: r.value, matched: r.matched, unmatched: r.unmatched } : undefined;
    },
  };
}
