/**
 * Shared pieces of layer 2: the per-instruction lowering state, diagnostic helpers, the
 * fields every instruction carries, and range arithmetic for pieces of a word.
 */
import type { Diagnostic, Note, Severity, SourceRange } from "../../core/diagnostic.js";
import type { Word } from "../ast.js";
import type { LowerContext, RawInstruction } from "../raw.js";

/** Lowering is the state of lowering one RawInstruction: its input and the diagnostics found so far. */
export interface Lowering {
  readonly raw: RawInstruction;
  readonly ctx: LowerContext;
  readonly diagnostics: Diagnostic[];
}

/** newLowering starts lowering `raw` with no diagnostics. */
export function newLowering(raw: RawInstruction, ctx: LowerContext): Lowering {
  return { raw, ctx, diagnostics: [] };
}

/** report records a diagnostic (an error unless `severity` says otherwise) at `range`. */
export function report(
  l: Lowering,
  code: string,
  message: string,
  range: SourceRange,
  notes: readonly Note[] = [],
  severity: Severity = "error",
): void {
  l.diagnostics.push({ code, severity, message, file: l.ctx.file, range, notes });
}

/** baseOf copies the fields every Instruction shares from the raw instruction. */
function baseOf(raw: RawInstruction) {
  return {
    keyword: raw.keyword,
    keywordRange: raw.keywordRange,
    range: raw.range,
    flags: raw.flags,
    args: raw.args,
    comments: raw.comments,
    text: raw.text,
  };
}

/** InstructionBase is the fields every Instruction shares (see baseOf). */
export type InstructionBase = ReturnType<typeof baseOf>;

/**
 * nodeOf builds an Instruction node: the fields every instruction shares, then `fields` in their
 * order (the order JSON output shows). It copies with Object.assign, not an object spread: V8
 * (Node 20) builds `{ ...base, kind: K }` on a slow path that cost microseconds per instruction.
 */
export function nodeOf<T extends object>(raw: RawInstruction, fields: T): InstructionBase & T {
  return Object.assign(baseOf(raw), fields);
}

/** span is the range from the start of `a` to the end of `b`. */
export function span(a: SourceRange, b: SourceRange): SourceRange {
  return { start: a.start, end: b.end };
}

/**
 * argsRange is the range a diagnostic about the arguments points at: all arguments, else the
 * rest of the line, else the keyword (when nothing follows it).
 */
export function argsRange(raw: RawInstruction): SourceRange {
  const first = raw.args[0];
  const last = raw.args[raw.args.length - 1];
  if (first && last) return span(first.range, last.range);
  if (raw.rest.value !== "") return raw.rest.range;
  return raw.keywordRange;
}

/** keywordName is the keyword upper-cased, as BuildKit's messages name instructions. */
export function keywordName(raw: RawInstruction): string {
  return raw.keyword.toUpperCase();
}

/**
 * subRange is the range of characters [from, to) of a value whose text starts at `range`.
 * It is exact when the value is the unaltered text of a one-line range; otherwise (quotes
 * removed, joined continuation lines) it falls back to the whole range.
 */
export function subRange(range: SourceRange, value: string, from: number, to: number): SourceRange {
  const { start, end } = range;
  const exact = start.line === end.line && end.offset - start.offset === value.length;
  if (!exact) return range;
  const a = Math.max(0, Math.min(from, value.length));
  const b = Math.max(a, Math.min(to, value.length));
  return {
    start: { line: start.line, column: start.column + a, offset: start.offset + a },
    end: { line: start.line, column: start.column + b, offset: start.offset + b },
  };
}

/** subWord is the Word for characters [from, to) of `word`. */
export function subWord(word: Word, from: number, to: number): Word {
  return { value: word.value.slice(from, to), range: subRange(word.range, word.value, from, to) };
}

/** emptyWordAt is an empty Word at the end of `range` (a placeholder for a missing argument). */
export function emptyWordAt(range: SourceRange): Word {
  return { value: "", range: { start: range.end, end: range.end } };
}
