// A code-point scanner with the Peek/Next behaviour of Go's text/scanner, which BuildKit's lexer uses.
import { EOF } from "./chars.js";

/**
 * Scanner walks a string one Unicode code point at a time. `pos` is the UTF-16 index of the next
 * code point. Like Go's text/scanner, a U+FEFF (byte order mark) as the very first character is skipped.
 */
export class Scanner {
  readonly text: string;
  pos: number;

  constructor(text: string) {
    this.text = text;
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  /** peek returns the next code point without consuming it, or EOF. */
  peek(): number {
    return this.text.codePointAt(this.pos) ?? EOF;
  }

  /** next consumes and returns the next code point, or returns EOF at the end. */
  next(): number {
    const cp = this.text.codePointAt(this.pos);
    if (cp === undefined) return EOF;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** atEnd says whether every code point has been consumed. */
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
}
