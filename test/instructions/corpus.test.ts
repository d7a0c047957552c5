// Layer 1 + layer 2 over BuildKit's parser corpus (../shared/conformance/buildkit/parser/testfiles):
// those files only have to parse, so a few hold instructions BuildKit's instruction layer rejects.
// This pins exactly which, with BuildKit's messages; every other instruction must lower cleanly.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Instruction } from "../../src/parser/ast.js";
import { parseRaw } from "../../src/parser/index.js";
import { checkStructure, lowerInstruction } from "../../src/parser/instructions/index.js";

const corpus = resolve(import.meta.dirname, "../../../shared/conformance/buildkit/parser/testfiles");
const present = existsSync(corpus);
if (!present) {
  if (process.env["CI"] === "true") throw new Error(`conformance corpus missing at ${corpus}`);
  console.warn(`conformance corpus not found at ${corpus}: skipping`);
}

/** EXPECTED lists `case:line: message` for every layer-2 error in the corpus. */
const EXPECTED = [
  "flags:3: unknown flag: --user",
  "flags:4: unknown flag: --doit",
  "flags:5: unknown flag: --user",
  "flags:5: unknown flag: --doit",
  "flags:6: unknown flag: --doit",
  "flags:8: unknown flag: --doit",
  "flags:9: unknown flag: --doit",
  "flags:10: unknown flag: --doit",
  "health:4: HEALTHCHECK requires at least one argument",
  "health:7: Missing command after HEALTHCHECK CMD",
  'health:10: Unknown type "CONNECT" in HEALTHCHECK (try CMD)',
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `json:${n}: no build stage in current context`),
  ...["json-inside-string", "json-inside-string-double", "single-quotes", "unterminated-bracket", "unterminated-string"].map(
    (c) => `jeztah-invalid-json-${c}:1: no build stage in current context`,
  ),
];

function lowerCase(name: string): string[] {
  const r = parseRaw(readFileSync(join(corpus, name, "Dockerfile")), { file: name });
  const out: string[] = [];
  const instructions: Instruction[] = [];
  for (const raw of r.raw) {
    const l = lowerInstruction(raw, { file: name, escapeChar: r.escapeChar });
    instructions.push(l.instruction);
    for (const d of l.diagnostics) out.push(`${name}:${d.range.start.line}: ${d.message}`);
  }
  for (const d of checkStructure(instructions, name)) out.push(`${name}:${d.range.start.line}: ${d.message}`);
  return out;
}

describe.skipIf(!present)("layer 2 over BuildKit's parser corpus", () => {
  it("reports exactly the instruction-layer errors BuildKit would", () => {
    const found = (present ? readdirSync(corpus).sort() : []).flatMap(lowerCase);
    expect(found.sort()).toEqual([...EXPECTED].sort());
  });
});
