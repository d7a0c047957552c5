// The shell-word lexer: quotes, escapes, `$name` and the word loop of BuildKit's lex.go.
import { braced } from "./braces.js";
import { EOF, char, isDigit, isNameChar, isSpecialParam } from "./chars.js";
import { ExpansionError, lengthLimitMessage } from "./errors.js";
import { Scanner } from "./scanner.js";
import { MAX_NESTING_DEPTH, type ShellEnv } from "./types.js";
import type { WordCollector } from "./words.js";

const DOLLAR = 0x24;
const LBRACE = 0x7b;
const SINGLE = 0x27;
const DOUBLE = 0x22;
const LESS = 0x3c;

/** LexMode is a resolved ShellOptions. */
export interface LexMode {
  readonly esc: number;
  readonly rawQuotes: boolean;
  readonly rawEscapes: boolean;
  readonly skipUnsetEnv: boolean;
  readonly skipProcessQuotes: boolean;
  readonly maxLength: number;
}

/** Lexer expands one input word. It is single-use: create one per word. */
export class Lexer {
  readonly scan: Scanner;
  readonly mode: LexMode;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private readonly env: ShellEnv;
  private rawEscapes: boolean;
  private depth = 0;

  constructor(word: string, env: ShellEnv, mode: LexMode) {
    this.scan = new Scanner(word);
    this.env = env;
    this.mode = mode;
    this.rawEscapes = mode.rawEscapes;
  }

  /** run expands the whole word; `words`, when given, receives the word-splitting view. */
  run(words: WordCollector | null): string {
    return this.readUntil(EOF, this.mode.rawEscapes, words);
  }

  /**
   * readOperand reads a nested word up to `stop` (the `w` of `${v:-w}`, a pattern, a replacement).
   * An error found at the end of the input becomes `eofMessage` at `at` (BuildKit's behaviour);
   * nesting deeper than MAX_NESTING_DEPTH is an error.
   */
  readOperand(stop: number, rawEscapes: boolean, eofMessage: string, at: number): string {
    this.depth++;
    try {
      // Deviation: BuildKit has no nesting limit; see grammar/DEVIATIONS.md.
      if (this.depth > MAX_NESTING_DEPTH) {
        throw new ExpansionError(`variable substitutions are nested more than ${MAX_NESTING_DEPTH} levels deep`, at, true);
      }
      // Deviation: the operand word gets no word collector of its own. BuildKit's shares (and
      // resets) the enclosing word's buffer here, losing text already collected for that word.
      return this.readUntil(stop, rawEscapes, null);
    } catch (e) {
      if (e instanceof ExpansionError && !e.fatal && this.scan.atEnd()) throw new ExpansionError(eofMessage, at);
      throw e;
    } finally {
      this.depth--;
    }
  }

  /** lookup returns the value of `name` (undefined when unset) and records it as matched or unmatched. */
  lookup(name: string): string | undefined {
    const value = this.env.get(name);
    (value === undefined ? this.unmatched : this.matched).add(name);
    return value;
  }

  /** grow appends `piece` to `out`, failing at `at` when the result would pass maxLength. */
  grow(out: string, piece: string, at: number): string {
    // Deviation: BuildKit has no length limit; see grammar/DEVIATIONS.md.
    if (out.length + piece.length > this.mode.maxLength) {
      throw new ExpansionError(lengthLimitMessage(this.mode.maxLength), at, true);
    }
    return out + piece;
  }

  private readUntil(stop: number, rawEscapes: boolean, words: WordCollector | null): string {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.readLoop(stop, words);
    } finally {
      this.rawEscapes = saved;
    }
  }

  private readLoop(stop: number, words: WordCollector | null): string {
    const s = this.scan;
    let out = "";
    while (!s.atEnd()) {
      const at = s.pos;
      const ch = s.peek();
      if (stop !== EOF && ch === stop) {
        s.next();
        return out;
      }
      const piece = this.special(ch);
      if (piece !== null) {
        out = this.grow(out, piece, at);
        if (ch === DOLLAR) words?.addString(piece);
        else words?.addRawString(piece);
        continue;
      }
      if (ch !== this.mode.esc) {
        const run = this.plainRun(stop);
        words?.addString(run);
        out = this.grow(out, run, at);
        continue;
      }
      s.next();
      if (this.rawEscapes) {
        words?.addRawChar(ch);
        out = this.grow(out, char(ch), at);
      }
      if (s.atEnd()) break; // an escape character at the end of the word is dropped
      const escaped = s.next();
      words?.addRawChar(escaped);
      out = this.grow(out, char(escaped), at);
    }
    if (stop !== EOF) throw new ExpansionError(`unexpected end of statement while looking for matching ${char(stop)}`, s.pos);
    return out;
  }

  /**
   * plainRun consumes the longest run of characters that need no processing: no `$`, `<`, quote,
   * escape character or `stop`. All of those are ASCII, so UTF-16 units can be tested directly.
   */
  private plainRun(stop: number): string {
    const s = this.scan;
    const { text } = s;
    const start = s.pos;
    let i = start;
    for (; i < text.length; i++) {
      const u = text.charCodeAt(i);
      if (u === DOLLAR || u === LESS || u === this.mode.esc || u === stop) break;
      if ((u === SINGLE || u === DOUBLE) && !this.mode.skipProcessQuotes) break;
    }
    s.pos = i;
    return text.slice(start, i);
  }

  /** special handles `$`, `<<` and (unless skipProcessQuotes) quotes at the scanner; null for other characters. */
  private special(ch: number): string | null {
    if (ch === DOLLAR) return this.dollar();
    if (ch === LESS) return this.heredocMarker();
    if (this.mode.skipProcessQuotes) return null;
    if (ch === SINGLE) return this.singleQuote();
    if (ch === DOUBLE) return this.doubleQuote();
    return null;
  }

  private singleQuote(): string {
    const s = this.scan;
    const at = s.pos;
    s.next();
    const close = s.text.indexOf("'", s.pos);
    if (close < 0) {
      s.pos = s.text.length; // the search consumed the rest of the input, as BuildKit's does
      throw new ExpansionError("unexpected end of statement while looking for matching single-quote", at);
    }
    const body = s.text.slice(s.pos, close);
    s.pos = close + 1;
    return this.mode.rawQuotes ? `'${body}'` : body;
  }

  private doubleQuote(): string {
    const s = this.scan;
    const at = s.pos;
    s.next();
    let out = this.mode.rawQuotes ? '"' : "";
    for (;;) {
      const ch = s.peek();
      if (ch === EOF) throw new ExpansionError("unexpected end of statement while looking for matching double-quote", at);
      if (ch === DOUBLE) {
        s.next();
        return this.mode.rawQuotes ? `${out}"` : out;
      }
      const pieceAt = s.pos;
      const piece = ch === DOLLAR ? this.dollar() : ch === this.mode.esc ? this.quotedEscape() : this.quotedRun();
      out = this.grow(out, piece, pieceAt);
    }
  }

  /** quotedRun consumes characters inside double quotes up to the next `"`, `$` or escape character. */
  private quotedRun(): string {
    const s = this.scan;
    const { text } = s;
    const start = s.pos;
    let i = start;
    for (; i < text.length; i++) {
      const u = text.charCodeAt(i);
      if (u === DOUBLE || u === DOLLAR || u === this.mode.esc) break;
    }
    s.pos = i;
    return text.slice(start, i);
  }

  /**
   * quotedEscape consumes an escape character inside double quotes. It escapes only `"`, `$` and
   * itself; before anything else it stays. In raw-escapes mode BuildKit writes an escape character
   * that escapes nothing twice (`"\t"` gives `\\t`); that is reproduced.
   */
  private quotedEscape(): string {
    const s = this.scan;
    const ch = s.next();
    const prefix = this.rawEscapes ? char(ch) : "";
    const after = s.peek();
    if (after === EOF) return prefix;
    if (after === DOUBLE || after === DOLLAR || after === this.mode.esc) return prefix + char(s.next());
    return prefix + char(ch);
  }

  /** dollar expands `$name`, `${...}`, or gives a literal `$` when no name follows. */
  private dollar(): string {
    const s = this.scan;
    const at = s.pos;
    s.next();
    if (s.peek() === LBRACE) return braced(this, at);
    const name = this.readName();
    if (name === "") return "$";
    const value = this.lookup(name);
    if (value === undefined && this.mode.skipUnsetEnv) return `$${name}`;
    return value ?? "";
  }

  /**
   * readName reads a variable name: letters, digits and `_` (Unicode letters and digits too). A
   * leading digit takes every following digit (`$12` is parameter 12); a special parameter
   * (`@ * # ? - $ ! 0`) is one character. Returns "" when no name starts here.
   */
  readName(): string {
    const s = this.scan;
    const first = s.peek();
    if (isDigit(first)) {
      let digits = "";
      while (isDigit(s.peek())) digits += char(s.next());
      return digits;
    }
    if (isSpecialParam(first)) return char(s.next());
    let name = "";
    while (isNameChar(s.peek())) name += char(s.next());
    return name;
  }

  private heredocMarker(): string {
    const s = this.scan;
    s.next();
    if (s.peek() !== LESS) return "<";
    s.next();
    // `<<` keeps the blanks after it, so `<< EOF` stays one word (heredoc detection needs that).
    let out = "<<";
    for (let c = s.peek(); c === 0x09 || c === 0x0d || c === 0x20; c = s.peek()) out += char(s.next());
    return out;
  }
}
