// Randomised robustness of layer 1: Dockerfile-like noise built from the characters that matter
// to the parser never makes parseRaw throw, and every position it reports is consistent: line
// and column agree with the offset, starts come before ends, and keywords sit where they say.
// FUZZ_SEED and FUZZ_RUNS change the seed and the number of files for longer local runs.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "./helpers/random.js";
import type { Position, SourceRange } from "../src/core/diagnostic.js";
import { parse, parseRaw } from "../src/parser/index.js";
import type { RawInstruction } from "../src/parser/raw.js";

const PIECES = [
  "FROM a", "RUN ", "COPY ", "ENV ", "LABEL ", "ARG ", "ONBUILD ", "HEALTHCHECK ", "CMD ", "ADD ", "x", "y=z", "é", "🐳",
  " ", "  ", "\t", "\n", "\n", "\n", "\r\n", "\\", "\\\n", "`", "`\n", '"', "'", "[", "]", '["a", "b"]', ",", "--f=v", "--",
  "<<EOF", "<<-E", "3<<X", "EOF\n", "\tE\n", "X\n", "#", "# c\n", "# escape=`\n", "${v}", "=", "\u00a0",
];

/** expected computes the line and column of an offset directly from the text. */
function expected(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const nl = before.lastIndexOf("\n");
  return { line: before.split("\n").length, column: offset - nl };
}

function checkPos(text: string, p: Position, what: string): void {
  expect(p.offset, what).toBeGreaterThanOrEqual(0);
  expect(p.offset, what).toBeLessThanOrEqual(text.length);
  expect({ line: p.line, column: p.column }, `${what} at offset ${p.offset}`).toEqual(expected(text, p.offset));
}

function checkRange(text: string, r: SourceRange, what: string): void {
  checkPos(text, r.start, `${what}.start`);
  checkPos(text, r.end, `${what}.end`);
  expect(r.end.offset, what).toBeGreaterThanOrEqual(r.start.offset);
}

function checkInstruction(text: string, ins: RawInstruction): void {
  checkRange(text, ins.range, "range");
  checkRange(text, ins.keywordRange, "keywordRange");
  // A keyword split by a line continuation spans the deleted escape and line break; otherwise it is verbatim.
  if (ins.keywordRange.start.line === ins.keywordRange.end.line) {
    expect(text.slice(ins.keywordRange.start.offset, ins.keywordRange.end.offset)).toBe(ins.keyword);
  }
  checkRange(text, ins.rest.range, "rest");
  for (const f of ins.flags) [f.range, f.nameRange, f.valueRange].forEach((r) => r && checkRange(text, r, `flag ${f.text}`));
  for (const a of ins.args) checkRange(text, a.range, `arg ${JSON.stringify(a.value)}`);
  for (const h of ins.heredocs) {
    checkRange(text, h.wordRange, "heredoc word");
    checkRange(text, h.bodyRange, "heredoc body");
  }
  for (const c of ins.comments) checkRange(text, c.range, "comment");
  if (ins.trigger) checkInstruction(text, ins.trigger);
}

describe("parser: randomised input", () => {
  it("never throws and reports consistent positions (1,500 generated files)", () => {
    const next = mulberry32(Number(process.env["FUZZ_SEED"] ?? 20261128));
    for (let n = 0; n < Number(process.env["FUZZ_RUNS"] ?? 1500); n++) {
      const parts: string[] = [];
      const len = 1 + Math.floor(next() * 40);
      for (let i = 0; i < len; i++) parts.push(PIECES[Math.floor(next() * PIECES.length)] ?? "");
      const input = parts.join("");
      const r = parseRaw(input);
      for (const ins of r.raw) checkInstruction(r.source, ins);
      for (const d of r.diagnostics) checkRange(r.source, d.range, `diagnostic ${d.code}`);
      for (const c of r.comments) checkRange(r.source, c.range, "loose comment");
      expect(() => parse(input)).not.toThrow();
    }
  });
});
