/** The key/value pairs of ENV and LABEL, built from layer 1's `key value separator` triples. */
import type { KeyValue } from "../ast.js";
import { argsRange, keywordName, report, span, type Lowering } from "./common.js";

/**
 * pairsOf turns the triples into KeyValues (`legacy` when the separator is empty: the `ENV k v`
 * form). It reports `X requires at least one argument` for none and `X names can not be blank`
 * for an empty key, as BuildKit's parseKvps does.
 */
export function pairsOf(l: Lowering): KeyValue[] {
  const { raw } = l;
  if (raw.args.length === 0) {
    report(l, "ArgumentCount", `${keywordName(raw)} requires at least one argument`, argsRange(raw));
    return [];
  }
  if (raw.args.length % 3 !== 0) {
    report(l, "ArgumentCount", `Bad input to ${keywordName(raw)}, too many arguments`, argsRange(raw));
  }
  const pairs: KeyValue[] = [];
  for (let i = 0; i + 2 < raw.args.length; i += 3) {
    const key = raw.args[i];
    const value = raw.args[i + 1];
    const sep = raw.args[i + 2];
    if (!key || !value || !sep) break;
    if (key.value === "") {
      report(l, "BlankName", `${keywordName(raw)} names can not be blank`, span(key.range, value.range));
      continue;
    }
    pairs.push({ key, value, legacy: sep.value === "", range: span(key.range, value.range) });
  }
  return pairs;
}
