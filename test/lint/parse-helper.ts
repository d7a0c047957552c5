// Builds a Dockerfile AST from text with the parser's two layers (parseRaw + lowerInstruction).
import type { Diagnostic } from "../../src/core/diagnostic.js";
import type { Dockerfile } from "../../src/parser/ast.js";
import { lowerInstruction } from "../../src/parser/instructions/index.js";
import { parseRaw } from "../../src/parser/index.js";

export function parseDockerfile(text: string, file = "Dockerfile"): { ast: Dockerfile; diagnostics: Diagnostic[] } {
  const r = parseRaw(text, { file });
  const diagnostics: Diagnostic[] = [...r.diagnostics];
  const instructions = r.raw.map((raw) => {
    const low = lowerInstruction(raw, { file, escapeChar: r.escapeChar });
    diagnostics.push(...low.diagnostics);
    return low.instruction;
  });
  const start = { line: 1, column: 1, offset: 0 };
  const ast: Dockerfile = { file, directives: r.directives, escapeChar: r.escapeChar, instructions, comments: r.comments, range: { start, end: r.end } };
  return { ast, diagnostics };
}
