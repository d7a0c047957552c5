/**
 * SecretsUsedInArgOrEnv: an ARG or ENV key whose first or last `_`-separated word (or whole
 * name) is a secret-sounding token, unless a word like `public`, `file` or `version` also
 * appears in that position.
 */
import { RULES } from "../catalog.js";
import type { Rule } from "../types.js";

const DENY = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const ALLOW = /(?:_|^)(?:public|file|version)(?:_|$)/i;

/** looksSecret applies the deny and allow word lists to a key. */
export function looksSecret(key: string): boolean {
  return DENY.test(key) && !ALLOW.test(key);
}

/**
 * secrets checks ARG keys as written and ENV keys after expansion inside stages (BuildKit checks
 * in dispatchArg/dispatchEnv, so meta ARGs before the first FROM are not checked).
 */
export const secrets: Rule = (input, report) => {
  for (const step of input.steps) {
    const ins = step.instruction;
    const keys =
      ins.kind === "ARG"
        ? ins.decls.map((d) => d.name.value)
        : ins.kind === "ENV"
          ? ins.pairs.map((p) => input.expander.word(p.key.value, step.env)?.value ?? p.key.value)
          : [];
    for (const key of keys) {
      if (looksSecret(key)) report({ rule: "SecretsUsedInArgOrEnv", message: RULES.SecretsUsedInArgOrEnv.message(ins.kind, key), range: ins.range, at: ins });
    }
  }
};
