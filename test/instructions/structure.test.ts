import { describe, expect, it } from "vitest";
import type { Instruction } from "../../src/parser/ast.js";
import { checkStructure, lowerInstruction } from "../../src/parser/instructions/index.js";
import { at, CTX, rawOf } from "../helpers/raw.js";

function file(lines: string[]): Instruction[] {
  let offset = 0;
  return lines.map((text, i) => {
    const ins = lowerInstruction(rawOf(text, { line: i + 1, offset }), CTX).instruction;
    offset += text.length + 1;
    return ins;
  });
}

describe("checkStructure", () => {
  it("allows ARG before the first FROM", () => {
    expect(checkStructure(file(["ARG V=1", "FROM alpine:$V", "RUN true"]), "Dockerfile")).toEqual([]);
  });

  it("reports each other instruction before the first FROM at its keyword", () => {
    const ins = file(["ARG V", "ENV A=1", "run true", "FROM alpine", "ENV B=2"]);
    expect(checkStructure(ins, "Dockerfile")).toEqual([
      {
        code: "NoBuildStage",
        severity: "error",
        message: "no build stage in current context",
        file: "Dockerfile",
        range: at(0, 3, 2, 6),
        notes: [{ message: "only ARG may come before the first FROM; start a stage with FROM before ENV" }],
      },
      expect.objectContaining({ message: "no build stage in current context", range: at(0, 3, 3, 14) }),
    ]);
  });

  it("skips unknown instructions, which carry their own error", () => {
    expect(checkStructure(file(["BOGUS x", "FROM a"]), "Dockerfile")).toEqual([]);
  });

  it("reports nothing for an empty list", () => {
    expect(checkStructure([], "Dockerfile")).toEqual([]);
  });
});
