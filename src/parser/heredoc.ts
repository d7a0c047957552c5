/**
 * Heredoc detection on a joined instruction line (Dockerfile reference "Here-Documents";
 * BuildKit parser.go heredocsFromLine / ParseHeredoc). The line is split into words the way
 * BuildKit's shell lexer does in raw mode (quotes and escapes kept, escape character always `\`),
 * and each word matching `^(\d*)<<(-?)([^<]*)$` with a one-word delimiter is a heredoc.
 */
import { isGoSpace } from "./offsets.js";

/** HeredocWord is one heredoc found on a line; `start`/`end` index the line text. */
export interface HeredocWord {
  readonly name: string;
  readonly expand: boolean;
  readonly chomp: boolean;
  readonly fd: number | undefined;
  readonly start: number;
  readonly end: number;
}

/** RawWord is one word of a raw-mode split: its text as written and its span. */
interface RawWord {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const HEREDOC_RE = /^(\d*)<<(-?)([^<]*)$/;
const HEREDOC_PREFIX_RE = /^\d*<<-?$/;

/** skipQuoted returns the index after the quote closing the one at i, or -1 when it never closes. */
function skipQuoted(s: string, i: number, end: number): number {
  const q = s.charCodeAt(i);
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === q) return j + 1;
    if (q === 34 && c === 92) j++;
  }
  return -1;
}

/** skipBraces returns the index after the `}` matching the `${` at i, or -1 when it never closes. */
function skipBraces(s: string, i: number, end: number): number {
  let depth = 0;
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 39 || c === 34) {
      const k = skipQuoted(s, j, end);
      if (k < 0) return -1;
      j = k - 1;
    } else if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return j + 1;
  }
  return -1;
}

// Deviation: a dedicated splitter stands in for BuildKit's raw-mode shell lexer (grammar/DEVIATIONS.md).
/**
 * rawWords splits s[a, b) at unquoted white space, keeping quotes, escapes and `${...}` intact.
 * Blanks right after a leading `<<` or `<<-` stay in the word (`<< EOF` is one heredoc word).
 * It returns undefined for an unterminated quote or `${`, as the shell lexer fails there.
 */
export function rawWords(s: string, a: number, b: number): RawWord[] | undefined {
  const words: RawWord[] = [];
  let start = -1;
  // True while the word so far is `<<`-like followed by blanks; tested once per word, so linear.
  let heredocPrefix = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (isGoSpace(c)) {
      if (start >= 0 && !heredocPrefix) heredocPrefix = HEREDOC_PREFIX_RE.test(s.slice(start, i));
      if (start >= 0 && !heredocPrefix) {
        words.push({ text: s.slice(start, i), start, end: i });
        start = -1;
      }
      continue;
    }
    heredocPrefix = false;
    if (start < 0) start = i;
    if (c === 92) i++;
    else if (c === 39 || c === 34 || (c === 36 && s.charCodeAt(i + 1) === 123)) {
      const k = c === 36 ? skipBraces(s, i + 1, b) : skipQuoted(s, i, b);
      if (k < 0) return undefined;
      i = k - 1;
    }
  }
  if (start >= 0) words.push({ text: s.slice(start, Math.min(b, s.length)), start, end: b });
  return words;
}

/** unquote removes quotes and escapes from a raw word as the shell lexer does (no variables are expanded). */
function unquote(w: string): string {
  let out = "";
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    if (c === "\\") out += w[++i] ?? "";
    else if (c === "'") {
      const k = w.indexOf("'", i + 1);
      out += w.slice(i + 1, k);
      i = k;
    } else if (c === '"') {
      for (i++; i < w.length && w[i] !== '"'; i++) {
        if (w[i] === "\\" && '"\\$`'.includes(w[i + 1] ?? "")) i++;
        out += w[i];
      }
    } else out += c;
  }
  return out;
}

function quoteCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] === "'" || s[i] === '"') n++;
  return n;
}

/** heredocOf returns the heredoc a raw word declares, or undefined when it is not one. */
function heredocOf(w: RawWord): HeredocWord | undefined {
  const m = HEREDOC_RE.exec(w.text);
  if (!m) return undefined;
  const rest = (m[3] ?? "").trim();
  const inner = rawWords(rest, 0, rest.length);
  if (!inner || inner.length !== 1 || !inner[0]) return undefined;
  const raw = inner[0].text;
  const name = unquote(raw);
  return {
    name,
    // Any quoting in the delimiter turns expansion off: BuildKit compares quote counts of the raw and unquoted forms.
    expand: quoteCount(name) === quoteCount(raw),
    chomp: m[2] === "-",
    fd: m[1] ? Number.parseInt(m[1], 10) : undefined,
    start: w.start,
    end: w.end,
  };
}

/** heredocsIn finds every heredoc word of s[a, b), in order; an unlexable line has none. */
export function heredocsIn(s: string, a: number, b: number): HeredocWord[] {
  if (s.indexOf("<<", a) === -1) return [];
  const out: HeredocWord[] = [];
  for (const w of rawWords(s, a, b) ?? []) {
    if (w.text.indexOf("<<") === -1) continue;
    const h = heredocOf(w);
    if (h) out.push(h);
  }
  return out;
}
