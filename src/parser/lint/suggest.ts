/**
 * "Did you mean" suggestions by edit distance, as BuildKit's util/suggest: the closest option
 * within distance 2 wins; an exact match means there is nothing to suggest.
 */

/** levenshtein is the edit distance between two strings, by code point. */
export function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[y.length] ?? 0;
}

/**
 * suggest returns the option closest to `value` (distance below 3), or "" when none is close
 * or one equals it. Options are tried in sorted order so the answer is deterministic.
 */
export function suggest(value: string, options: Iterable<string>): string {
  let best = "";
  let min = 3;
  for (const opt of [...options].sort()) {
    if (opt === value) return "";
    const d = levenshtein(value, opt);
    if (d < min) {
      best = opt;
      min = d;
    }
  }
  return best;
}
