// Runs the line tables in fixtures/shell/*.txt against src/parser/shell. The format is described at
// the top of every table: `INPUT => EXPECTED`, plus `@env {...}` and `@options {...}` lines.
import { readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type ExpandResult, type ShellOptions, expandHeredocBody, processWord, processWords } from "../src/parser/shell/index.js";

const dir = resolve(import.meta.dirname, "../fixtures/shell");

interface Options extends ShellOptions {
  /** words runs processWords; heredoc runs expandHeredocBody. */
  words?: boolean;
  heredoc?: boolean;
}

interface Expected {
  value?: string | string[];
  error?: string;
  offset?: number;
  matched?: string[];
  unmatched?: string[];
}

interface Case {
  line: number;
  input: string;
  expected: Expected;
  env: Map<string, string>;
  options: Options;
}

function parseExpected(text: string): Expected {
  if (text.startsWith("error: ")) return { error: text.slice("error: ".length) };
  if (!text.startsWith("json: ")) return { value: text };
  const v: unknown = JSON.parse(text.slice("json: ".length));
  return typeof v === "string" || Array.isArray(v) ? { value: v as string | string[] } : (v as Expected);
}

function parseTable(file: string): Case[] {
  const cases: Case[] = [];
  let env = new Map<string, string>();
  let options: Options = {};
  readFileSync(file, "utf8").split("\n").forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    if (line.startsWith("@env ")) {
      env = new Map(Object.entries(JSON.parse(line.slice(5)) as Record<string, string>));
      return;
    }
    if (line.startsWith("@options ")) {
      options = JSON.parse(line.slice(9)) as Options;
      return;
    }
    const sep = line.indexOf(" => ");
    if (sep < 0) throw new Error(`${file}:${i + 1}: a case needs " => "`);
    const rawInput = line.slice(0, sep);
    const input = rawInput.startsWith("json: ") ? (JSON.parse(rawInput.slice(6)) as string) : rawInput;
    cases.push({ line: i + 1, input, expected: parseExpected(line.slice(sep + 4)), env, options });
  });
  return cases;
}

function expand(c: Case): ExpandResult<string | string[]> {
  const { words, heredoc, ...opts } = c.options;
  if (heredoc) return expandHeredocBody(c.input, c.env, opts);
  return words ? processWords(c.input, c.env, opts) : processWord(c.input, c.env, opts);
}

function check(c: Case): void {
  const r = expand(c);
  const e = c.expected;
  if (e.error !== undefined) {
    expect(r).toMatchObject({ ok: false, message: e.error, ...(e.offset === undefined ? {} : { offset: e.offset }) });
  } else {
    if (!r.ok) throw new Error(`expansion failed: ${r.message} (offset ${r.offset})`);
    if (e.value !== undefined) expect(r.value).toEqual(e.value);
  }
  if (e.matched !== undefined) expect([...r.matched].sort()).toEqual([...e.matched].sort());
  if (e.unmatched !== undefined) expect([...r.unmatched].sort()).toEqual([...e.unmatched].sort());
}

const files = readdirSync(dir).filter((f) => f.endsWith(".txt"));

describe("fixtures/shell", () => {
  it("has tables", () => expect(files.length).toBeGreaterThanOrEqual(6));
  for (const f of files) {
    const cases = parseTable(resolve(dir, f));
    it(`${f} has cases`, () => expect(cases.length).toBeGreaterThan(5));
    for (const c of cases) it(`${f}:${c.line}`, () => check(c));
  }
});
