import type { Expander } from "../expand.js";
import type { KeyValue } from "../../parser/ast.js";

/** expandPairs expands ENV/LABEL keys and values against one snapshot; undefined on any error. */
export function expandPairs(pairs: readonly KeyValue[], x: Expander): [string, string][] | undefined {
  const out: [string, string][] = [];
  for (const p of pairs) {
    const key = x.word(p.key.value, p.key.range);
    const value = x.word(p.value.value, p.value.range);
    if (key === undefined || value === undefined) return undefined;
    out.push([key, value]);
  }
  return out;
}

/** progressLabel formats a label as `KEYWORD rest`, with rest as written (BuildKit's c.String()). */
export function progressLabel(keyword: string, text: string): string {
  return `${keyword.toUpperCase()} ${text}`.trimEnd();
}
