/**
 * Ordering strings by their UTF-8 bytes (Go's string order) without encoding them: UTF-16 code
 * units compared through a rank that puts them in UTF-8 byte order. The context walk and COPY
 * selection sort names this way, and the layer tar writer sorts paths so with `/` first.
 */

/**
 * utf8Rank ranks a UTF-16 code unit in UTF-8 byte order: surrogates (the halves of characters
 * past U+FFFF, whose UTF-8 starts with 0xF0-0xF4) above U+E000-U+FFFF (0xEE-0xEF); everything
 * else in code point order, which UTF-8 keeps.
 */
export function utf8Rank(c: number): number {
  if (c < 0xd800) return c;
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** compareUnits compares `a` and `b` at their first differing code unit, through `rank`; a prefix sorts first. */
export function compareUnits(a: string, b: string, rank: (c: number) => number = utf8Rank): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** compareBytes orders strings by their UTF-8 bytes (code point order), as Go's sort.Strings does. */
export function compareBytes(a: string, b: string): number {
  return compareUnits(a, b);
}
