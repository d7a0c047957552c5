/**
 * "Did you mean" suggestions, with BuildKit's rule (util/suggest): the closest candidate by
 * Levenshtein distance, if that distance is below 3 and the value is not itself a candidate.
 */

/** levenshtein is the edit distance (insert, delete, substitute; cost 1 each) between a and b, by UTF-16 unit. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    const done = prev;
    prev = cur;
    cur = done;
  }
  return prev[n] as number;
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
    // The distance is at least the difference in length: skip candidates that cannot win.
    if (Math.abs(opt.length - v.length) >= bestDist) continue;
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
