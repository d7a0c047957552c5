// Word splitting for processWords (BuildKit lex.go wordsStruct).
import { isGoSpace } from "./chars.js";

/**
 * WordCollector builds the word list of processWords. Characters that reach it through `addChar`
 * (unquoted source text and unquoted expansion values) split words at whitespace; `addRaw*` text
 * (quoted strings, escaped characters, `<<` markers) never splits. A quoted empty string marks a
 * word as started but adds no word by itself.
 */
export class WordCollector {
  private readonly words: string[] = [];
  private buf = "";
  private inWord = false;

  /** addChar adds one code point; whitespace ends the current word instead of being added. */
  addChar(cp: number): void {
    if (!isGoSpace(cp)) {
      this.addRawChar(cp);
    } else if (this.inWord && this.buf.length !== 0) {
      this.words.push(this.buf);
      this.buf = "";
      this.inWord = false;
    }
  }

  /** addRawChar adds one code point to the current word, whitespace included. */
  addRawChar(cp: number): void {
    this.buf += String.fromCodePoint(cp);
    this.inWord = true;
  }

  /** addString adds every code point of `s` with addChar (an unquoted expansion value). */
  addString(s: string): void {
    for (const ch of s) this.addChar(ch.codePointAt(0) ?? 0);
  }

  /** addRawString adds `s` to the current word as it is. */
  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }

  /** finish ends the last word and returns the list. */
  finish(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = "";
      this.inWord = false;
    }
    return this.words;
  }
}
