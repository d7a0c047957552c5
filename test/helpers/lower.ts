/** Test helpers around lowerInstruction: lower one line and pick out the kind or diagnostics. */
import type { Diagnostic } from "../../src/core/diagnostic.js";
import type { Instruction } from "../../src/parser/ast.js";
import { lowerInstruction } from "../../src/parser/instructions/index.js";
import { CTX, rawOf, type RawOptions } from "./raw.js";

/** lower lowers one line of Dockerfile text. */
export function lower(line: string, opts: RawOptions = {}): { ins: Instruction; diags: readonly Diagnostic[] } {
  const r = lowerInstruction(rawOf(line, opts), CTX);
  return { ins: r.instruction, diags: r.diagnostics };
}

/** lowerAs lowers a line and asserts the instruction kind, returning the narrowed node. */
export function lowerAs<K extends Instruction["kind"]>(kind: K, line: string, opts: RawOptions = {}): { ins: Extract<Instruction, { kind: K }>; diags: readonly Diagnostic[] } {
  const { ins, diags } = lower(line, opts);
  if (ins.kind !== kind) throw new Error(`expected ${kind}, got ${ins.kind}`);
  return { ins: ins as Extract<Instruction, { kind: K }>, diags };
}

/** messages lists the diagnostics' messages. */
export function messages(line: string, opts: RawOptions = {}): string[] {
  return lower(line, opts).diags.map((d) => d.message);
}
