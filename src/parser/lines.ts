/**
 * Physical lines to logical instruction lines, as BuildKit's parser.Parse does it: lines split
 * at `\n` with trailing `\r`/`\n` removed, directives at the top, comments kept for the next
 * instruction, and line continuation with the escape character (Dockerfile reference "Format",
 * "escape"). Heredoc bodies are read on request, after the caller has seen the instruction.
 */
import type { Diagnostic, Position, SourceRange } from "../core/diagnostic.js";
import type { Comment } from "./ast.js";
import { DirectiveReader } from "./directives.js";
import { OffsetMap, isGoSpace } from "./offsets.js";

/** MAX_LINE_BYTES is BuildKit's scanner limit: a physical line may hold at most 65535 bytes. */
export const MAX_LINE_BYTES = 65535;

/** PhysicalLine is one source line: [start, end) without its line ending, `next` starts the next line. */
interface PhysicalLine {
  readonly number: number;
  readonly start: number;
  readonly end: number;
  readonly next: number;
  /** The line broke MAX_LINE_BYTES (reported as LineTooLong). */
  readonly tooLong: boolean;
}

/** LogicalLine is one instruction's joined text with its map back to the source. */
export interface LogicalLine {
  /** The joined text: first line left-trimmed, escape characters and line breaks of continuations removed. */
  readonly text: string;
  readonly map: OffsetMap;
  /** Comment lines directly above the instruction. */
  readonly comments: readonly Comment[];
  /** Source position after the last physical line used (comments and blank lines inside included). */
  readonly end: Position;
  /** True when one of its physical lines broke MAX_LINE_BYTES (already reported as LineTooLong). */
  readonly tooLong: boolean;
}

/** utf8Length counts the UTF-8 bytes of s[a, b). */
function utf8Length(s: string, a: number, b: number): number {
  let n = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < b) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** LineReader walks a decoded Dockerfile; it never recurses and touches each character a bounded number of times. */
export class LineReader {
  readonly directives: DirectiveReader;
  /** Comments attached to no instruction: cleared by a bare `#`, inside continuations, or at the end. */
  readonly looseComments: Comment[] = [];
  private pending: Comment[] = [];
  private pos = 0;
  private lineNo = 0;
  /** Line number, start and end (without line ending) of the last physical line read; Positions are built on demand. */
  private lastLine = 1;
  private lastStart = 0;
  private lastStop = 0;

  constructor(
    readonly text: string,
    private readonly file: string,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.directives = new DirectiveReader(file, diagnostics);
  }

  /** escapeChar is the escape character in force (a directive may change it at the top). */
  get escapeChar(): "\\" | "`" {
    return this.directives.escapeChar;
  }

  /** endOfInput is the position after the content of the last physical line read so far. */
  get endOfInput(): Position {
    return this.lastEnd;
  }

  /** lastEnd is the position after the last physical line read (without its line ending). */
  private get lastEnd(): Position {
    return { line: this.lastLine, column: this.lastStop - this.lastStart + 1, offset: this.lastStop };
  }

  /** readPhysical returns the next physical line, or undefined at the end of the text. */
  private readPhysical(): PhysicalLine | undefined {
    const t = this.text;
    if (this.pos >= t.length) return undefined;
    const start = this.pos;
    const nl = t.indexOf("\n", start);
    const next = nl === -1 ? t.length : nl + 1;
    let end = nl === -1 ? t.length : nl;
    while (end > start && t.charCodeAt(end - 1) === 13) end--;
    this.pos = next;
    const line = { number: ++this.lineNo, start, end, next, tooLong: false };
    this.lastLine = line.number;
    this.lastStart = start;
    this.lastStop = end;
    line.tooLong = this.checkLength(line, nl === -1 ? t.length : nl);
    return line;
  }

  /** checkLength reports a line over MAX_LINE_BYTES and returns whether it was one. */
  private checkLength(line: PhysicalLine, rawEnd: number): boolean {
    if (rawEnd - line.start <= MAX_LINE_BYTES / 3) return false;
    const bytes = utf8Length(this.text, line.start, rawEnd);
    if (bytes <= MAX_LINE_BYTES) return false;
    this.diagnostics.push({
      code: "LineTooLong",
      severity: "error",
      message: `dockerfile line greater than max allowed size of ${MAX_LINE_BYTES} (line ${line.number} has ${bytes} bytes)`,
      file: this.file,
      range: this.span(line, line.start, line.end),
      notes: [{ message: "split the line with the escape character (line continuation) or move long data into a file" }],
    });
    return true;
  }

  private span(line: PhysicalLine, a: number, b: number): SourceRange {
    return {
      start: { line: line.number, column: a - line.start + 1, offset: a },
      end: { line: line.number, column: b - line.start + 1, offset: b },
    };
  }

  private firstNonSpace(line: PhysicalLine): number {
    let i = line.start;
    while (i < line.end && isGoSpace(this.text.charCodeAt(i))) i++;
    return i;
  }

  /**
   * continuation applies BuildKit's `([^E])E[ \t]*$|^E[ \t]*$` to text[a, b): it returns the end
   * of the kept text and whether the line continues. `EE` at the end does not continue.
   */
  private continuation(a: number, b: number): { cut: number; more: boolean } {
    const t = this.text;
    const esc = this.escapeChar.charCodeAt(0);
    let j = b;
    while (j > a && (t.charCodeAt(j - 1) === 32 || t.charCodeAt(j - 1) === 9)) j--;
    if (j === a || t.charCodeAt(j - 1) !== esc) return { cut: b, more: false };
    if (j - 1 === a || t.charCodeAt(j - 2) !== esc) return { cut: j - 1, more: true };
    return { cut: b, more: false };
  }

  // Deviation: the text keeps all but one leading space, and directive lines are never comments (grammar/DEVIATIONS.md).
  /** comment records a top-level comment line; a bare `#` clears the comments collected so far. */
  private comment(line: PhysicalLine, hash: number): void {
    const body = this.text.slice(hash + 1, line.end);
    if (body.trim() === "") {
      this.looseComments.push(...this.pending);
      this.pending = [];
      return;
    }
    const text = body.startsWith(" ") ? body.slice(1) : body;
    this.pending.push({ text, range: this.span(line, hash, line.end) });
  }

  /** next returns the next logical line, or undefined when the file is done. */
  next(): LogicalLine | undefined {
    for (let line = this.readPhysical(); line; line = this.readPhysical()) {
      const first = this.firstNonSpace(line);
      if (this.directives.active && this.directives.offer(this.text.slice(first, line.end), this.span(line, first, line.end))) continue;
      if (this.text.charCodeAt(first) === 35 /* # */) {
        this.comment(line, first);
        continue;
      }
      const { cut, more } = this.continuation(first, line.end);
      if (!more && cut === first) continue;
      return this.join(line, first, cut, more);
    }
    this.looseComments.push(...this.pending);
    this.pending = [];
    return undefined;
  }

  /** join collects continuation lines after the first one into a logical line. */
  private join(firstLine: PhysicalLine, first: number, cut: number, more: boolean): LogicalLine {
    let tooLong = firstLine.tooLong;
    const blanks: SourceRange[] = [];
    const map = new OffsetMap();
    map.add(0, first, firstLine.number, first - firstLine.start + 1);
    let text = this.text.slice(first, cut);
    for (let line = more ? this.readPhysical() : undefined; line; line = more ? this.readPhysical() : undefined) {
      const nonSpace = this.firstNonSpace(line);
      if (this.text.charCodeAt(nonSpace) === 35) {
        this.looseComments.push({ text: this.text.slice(nonSpace + 1, line.end).replace(/^ /, ""), range: this.span(line, nonSpace, line.end) });
        continue;
      }
      if (nonSpace === line.end) {
        blanks.push(this.span(line, line.start, line.end));
        continue;
      }
      tooLong ||= line.tooLong;
      const c = this.continuation(line.start, line.end);
      map.add(text.length, line.start, line.number, 1);
      text += this.text.slice(line.start, c.cut);
      more = c.more;
    }
    for (const range of blanks) this.emptyContinuation(range, text);
    const comments = this.pending;
    this.pending = [];
    return { text, map, comments, end: this.lastEnd, tooLong };
  }

  // Deviation: one warning per blank line at that line; BuildKit gives one per instruction (grammar/DEVIATIONS.md).
  private emptyContinuation(range: SourceRange, joined: string): void {
    const shown = joined.length > 100 ? `${joined.slice(0, 100)}...` : joined;
    this.diagnostics.push({
      code: "NoEmptyContinuation",
      severity: "warning",
      // BuildKit's parser warning text; the lint rule of the same name reports it as is.
      message: `Empty continuation line found in: ${shown}`,
      file: this.file,
      range,
      notes: [{ message: "empty continuation lines will become errors in a future release: remove the blank line or end the instruction before it" }],
    });
  }

  /**
   * readHeredoc reads one heredoc body: raw lines, each with its own line ending, up to the first
   * line that equals `name` once its line ending (and, for `<<-`, its leading tabs) is removed.
   */
  readHeredoc(name: string, chomp: boolean): { content: string; range: SourceRange; terminated: boolean } {
    // At the end of a text without a final newline there is no next line: the body starts (empty) where the text ends.
    const atLineStart = this.pos === 0 || this.text.charCodeAt(this.pos - 1) === 10;
    const start: Position = atLineStart ? { line: this.lineNo + 1, column: 1, offset: this.pos } : this.lastEnd;
    const bodyStart = this.pos;
    for (let line = this.readPhysical(); line; line = this.readPhysical()) {
      let a = line.start;
      if (chomp) while (a < line.end && this.text.charCodeAt(a) === 9) a++;
      if (line.end - a === name.length && this.text.startsWith(name, a)) {
        return { content: this.text.slice(bodyStart, line.start), range: { start, end: this.lastEnd }, terminated: true };
      }
    }
    const end = this.pos > bodyStart ? this.lastEnd : start;
    return { content: this.text.slice(bodyStart), range: { start, end }, terminated: false };
  }
}
