/**
 * The whole parser: layer 1 (parseRaw) then layer 2 (lowerInstruction per instruction, and the
 * file-level structure check), giving the Dockerfile AST of ast.ts and every diagnostic.
 */
import type { Diagnostic } from "../core/diagnostic.js";
import type { Dockerfile, Instruction } from "./ast.js";
import { checkStructure, lowerInstruction } from "./instructions/index.js";
import { parseRaw, type ParseRawOptions } from "./parse-raw.js";
import type { LowerContext } from "./raw.js";

/** ParseResult is the AST plus all diagnostics (sorted by position); `source` is the decoded text the ranges index. */
export interface ParseResult {
  readonly ast: Dockerfile;
  readonly diagnostics: readonly Diagnostic[];
  readonly source: string;
}

/** byPosition orders diagnostics by start offset; equal starts keep their order (Array.sort is stable). */
const byPosition = (a: Diagnostic, b: Diagnostic): number => a.range.start.offset - b.range.start.offset;

/** parse parses and validates a Dockerfile; it never throws on user input. */
export function parse(input: string | Uint8Array, opts: ParseRawOptions = {}): ParseResult {
  const r = parseRaw(input, opts);
  const ctx: LowerContext = { file: r.file, escapeChar: r.escapeChar };
  const diagnostics: Diagnostic[] = [...r.diagnostics];
  const instructions: Instruction[] = [];
  for (const raw of r.raw) {
    const lowered = lowerInstruction(raw, ctx);
    instructions.push(lowered.instruction);
    diagnostics.push(...lowered.diagnostics);
  }
  diagnostics.push(...checkStructure(instructions, r.file));
  const ast: Dockerfile = {
    file: r.file,
    directives: r.directives,
    escapeChar: r.escapeChar,
    instructions,
    comments: r.comments,
    range: { start: { line: 1, column: 1, offset: 0 }, end: r.end },
  };
  return { ast, diagnostics: diagnostics.sort(byPosition), source: r.source };
}
