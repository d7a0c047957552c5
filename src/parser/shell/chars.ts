// Character classes with Go's `unicode` package meaning, as BuildKit's lexer uses them.

/** EOF is what the scanner returns past the end of the input (Go text/scanner's EOF is -1 too). */
export const EOF = -1;

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/** isGoSpace is Go's unicode.IsSpace: ASCII \t \n \v \f \r space, U+0085, U+00A0 and the Unicode White_Space separators. */
export function isGoSpace(cp: number): boolean {
  if (cp <= 0xff) return (cp >= 0x09 && cp <= 0x0d) || cp === 0x20 || cp === 0x85 || cp === 0xa0;
  return (
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** isLetter is Go's unicode.IsLetter (general category L). */
export function isLetter(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return cp >= 0 && LETTER.test(String.fromCodePoint(cp));
}

/** isDigit is Go's unicode.IsDigit (general category Nd). */
export function isDigit(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return DIGIT.test(String.fromCodePoint(cp));
}

/** isNameChar says whether `cp` may continue a variable name: letter, digit or `_`. */
export function isNameChar(cp: number): boolean {
  return cp === 0x5f || isLetter(cp) || isDigit(cp);
}

/** isSpecialParam says whether `cp` is a POSIX special parameter name: `@ * # ? - $ ! 0`. */
export function isSpecialParam(cp: number): boolean {
  return cp >= 0 && cp < 0x80 && "@*#?-$!0".includes(String.fromCharCode(cp));
}

/** goTrimSpace is Go's strings.TrimSpace: it removes isGoSpace characters at both ends. */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** char is the one-code-point string for `cp`, or U+FFFD for EOF (what Go's `string(rune(-1))` gives). */
export function char(cp: number): string {
  return cp < 0 ? "\ufffd" : String.fromCodePoint(cp);
}
