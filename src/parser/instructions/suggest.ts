/**
 * "Did you mean" suggestions, with BuildKit's rule (util/suggest): the closest candidate by
 * Levenshtein distance, if that distance is below 3 and the value is not itself a candidate.
 */

/** levenshtein is the edit distance (insert, delete, substitute; cost 1 each) between a and b. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

const MAX_DISTANCE = 3;

/**
 * suggest returns the candidate closest to `value`, or undefined when none is close or the value
 * matches one exactly. With `caseSensitive` false the comparison ignores case and the answer
 * follows the value's case (all lower or all upper), like BuildKit's matchCase.
 */
export function suggest(value: string, candidates: readonly string[], caseSensitive: boolean): string | undefined {
  const v = caseSensitive ? value : value.toLowerCase();
  let best: string | undefined;
  let bestDist = MAX_DISTANCE;
  for (const c of candidates) {
    const opt = caseSensitive ? c : c.toLowerCase();
    if (opt === v) return undefined;
    const d = levenshtein(v, opt);
    if (d < bestDist) {
      best = caseSensitive ? opt : matchCase(opt, value);
      bestDist = d;
    }
  }
  return best;
}

function matchCase(candidate: string, original: string): string {
  if (original === original.toLowerCase()) return candidate.toLowerCase();
  if (original === original.toUpperCase()) return candidate.toUpperCase();
  return candidate;
}

/** withSuggestion appends BuildKit's ` (did you mean X?)` to a message when a suggestion exists. */
export function withSuggestion(message: string, value: string, candidates: readonly string[], caseSensitive: boolean): string {
  const s = suggest(value, candidates, caseSensitive);
  return s === undefined ? message : `${message} (did you mean ${s}?)`;
}
