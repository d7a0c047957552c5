// The grammar as data stays in step with the parser: grammar/diagrams.html and
// src/parser/cst-types.ts equal a fresh generation, and grammar/dockerfile.ebnf defines every
// chevrotain rule and token by its parser name.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CST_TYPES_PATH, DIAGRAMS_PATH, cstTypes, diagramsHtml } from "../scripts/gen-diagrams.js";
import { lineParser } from "../src/parser/cst-parser.js";
import { allTokens } from "../src/parser/tokens.js";

const ebnf = readFileSync(resolve(import.meta.dirname, "../grammar/dockerfile.ebnf"), "utf8");
const productions = new Set([...ebnf.matchAll(/^\s*(\w+)\s*=/gm), ...ebnf.matchAll(/;\s*(\w+)\s*=/g)].map((m) => m[1]));

describe("grammar files", () => {
  it("grammar/diagrams.html is up to date (run npm run diagrams)", () => {
    const fresh = diagramsHtml();
    expect(fresh).not.toMatch(/<script src=|<link rel='stylesheet'/);
    expect(readFileSync(DIAGRAMS_PATH, "utf8")).toBe(fresh);
  });

  it("src/parser/cst-types.ts is up to date (run npm run diagrams)", () => {
    expect(readFileSync(CST_TYPES_PATH, "utf8")).toBe(cstTypes());
  });

  it("dockerfile.ebnf has a production for every parser rule and token", () => {
    const rules = lineParser().getGAstProductions();
    const names = [...Object.keys(rules), ...allTokens.map((t) => t.name).filter((n) => !/Space$/.test(n))];
    expect(names.filter((n) => !productions.has(n))).toEqual([]);
  });
});
