/**
 * A test-only builder of RawInstructions from one Dockerfile line, following the argument shapes
 * of conformance/README.md 1.2 closely enough for layer-2 tests (no escapes, no continuations).
 */
import type { SourceRange } from "../../src/core/diagnostic.js";
import type { Flag, Heredoc, Word } from "../../src/parser/ast.js";
import type { LowerContext, RawInstruction } from "../../src/parser/raw.js";

/** HeredocSpec describes one heredoc body to attach; the `<<name` word is found in the line. */
export interface HeredocSpec {
  readonly name: string;
  readonly content: string;
  readonly expand?: boolean;
  readonly chomp?: boolean;
}

export interface RawOptions {
  /** 1-based line of the instruction (default 1). */
  readonly line?: number;
  /** Offset of the line's first character in the file (default 0). */
  readonly offset?: number;
  readonly heredocs?: readonly HeredocSpec[];
}

export const CTX: LowerContext = { file: "Dockerfile", escapeChar: "\\" };

/** at is the one-line range [from, to) of line `line` starting at file offset `base`. */
export function at(from: number, to: number, line = 1, base = 0): SourceRange {
  return {
    start: { line, column: from + 1, offset: base + from },
    end: { line, column: to + 1, offset: base + to },
  };
}

/** rangeOf is the range of the first occurrence of `needle` in `text` (at or after `from`). */
export function rangeOf(text: string, needle: string, from = 0): SourceRange {
  const i = text.indexOf(needle, from);
  if (i < 0) throw new Error(`${needle} not in ${text}`);
  return at(i, i + needle.length);
}

interface Cursor {
  readonly text: string;
  readonly r: (from: number, to: number) => SourceRange;
}

function word(c: Cursor, from: number, to: number): Word {
  return { value: c.text.slice(from, to), range: c.r(from, to) };
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] ?? "")) i++;
  return i;
}

function wordEnd(text: string, i: number): number {
  while (i < text.length && !/\s/.test(text[i] ?? "")) i++;
  return i;
}

function splitFlags(c: Cursor, start: number): { flags: Flag[]; restStart: number } {
  const flags: Flag[] = [];
  let i = skipSpace(c.text, start);
  while (c.text.startsWith("--", i)) {
    const end = wordEnd(c.text, i);
    const w = c.text.slice(i, end);
    if (w === "--") return { flags, restStart: skipSpace(c.text, end) };
    const eq = w.indexOf("=");
    const nameEnd = eq < 0 ? end : i + eq;
    const value = eq < 0 ? undefined : w.slice(eq + 1).replace(/["']/g, "");
    flags.push({
      name: c.text.slice(i + 2, nameEnd),
      value,
      text: w.replace(/["']/g, ""),
      range: c.r(i, end),
      nameRange: c.r(i + 2, nameEnd),
      valueRange: eq < 0 ? undefined : c.r(nameEnd + 1, end),
    });
    i = skipSpace(c.text, end);
  }
  return { flags, restStart: i };
}

function whitespaceSplit(c: Cursor, from: number, to: number): Word[] {
  const out: Word[] = [];
  let i = skipSpace(c.text, from);
  while (i < to) {
    const end = Math.min(wordEnd(c.text, i), to);
    out.push(word(c, i, end));
    i = skipSpace(c.text, end);
  }
  return out;
}

function jsonArgs(c: Cursor, from: number, to: number): Word[] | undefined {
  const rest = c.text.slice(from, to);
  if (!rest.startsWith("[")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch {
    return undefined; // not JSON: the instruction falls back to its non-JSON shape
  }
  if (!Array.isArray(parsed) || !parsed.every((e) => typeof e === "string")) return undefined;
  const out: Word[] = [];
  let pos = from;
  for (const e of parsed as string[]) {
    const enc = JSON.stringify(e);
    const i = c.text.indexOf(enc, pos);
    out.push({ value: e, range: c.r(i, i + enc.length) });
    pos = i + enc.length;
  }
  return out;
}

function kvTriples(c: Cursor, from: number, to: number): Word[] {
  const words = whitespaceSplit(c, from, to);
  const first = words[0];
  if (!first) return [];
  if (!first.value.includes("=")) {
    const valStart = skipSpace(c.text, first.range.end.column - 1);
    return [first, word(c, valStart, to), { value: "", range: c.r(to, to) }];
  }
  return words.flatMap((w) => {
    const s = w.range.start.column - 1;
    const eq = s + w.value.indexOf("=");
    return [word(c, s, eq), word(c, eq + 1, s + w.value.length), word(c, eq, eq + 1)];
  });
}

const ONE_STRING = new Set(["maintainer", "user", "workdir", "stopsignal"]);
const COMMAND = new Set(["run", "cmd", "entrypoint", "shell"]);
const SPLIT = new Set(["from", "expose", "arg", "add", "copy", "volume"]);

function argsFor(kw: string, c: Cursor, from: number, to: number): { args: Word[]; json: boolean } {
  const known = SPLIT.has(kw) || COMMAND.has(kw) || ONE_STRING.has(kw) || ["env", "label", "healthcheck"].includes(kw);
  if (from >= to) return { args: known ? [] : [{ value: "", range: c.r(from, from) }], json: false };
  if (ONE_STRING.has(kw)) return { args: [word(c, from, to)], json: false };
  if (kw === "env" || kw === "label") return { args: kvTriples(c, from, to), json: false };
  if (kw === "healthcheck") {
    const typeEnd = wordEnd(c.text, from);
    const inner = argsFor("cmd", c, skipSpace(c.text, typeEnd), to);
    return { args: [word(c, from, typeEnd), ...inner.args], json: inner.json };
  }
  if (COMMAND.has(kw) || kw === "add" || kw === "copy" || kw === "volume") {
    const j = jsonArgs(c, from, to);
    if (j) return { args: j, json: true };
    if (COMMAND.has(kw)) return { args: [word(c, from, to)], json: false };
  }
  if (SPLIT.has(kw)) return { args: whitespaceSplit(c, from, to), json: false };
  return { args: [{ value: "", range: c.r(from, from) }], json: false };
}

function heredocsOf(c: Cursor, specs: readonly HeredocSpec[], bodyLine: number): Heredoc[] {
  let search = 0;
  return specs.map((h, n) => {
    const i = c.text.indexOf("<<", search);
    const end = wordEnd(c.text, i);
    search = end;
    const body = { start: { line: bodyLine + n, column: 1, offset: 0 }, end: { line: bodyLine + n + 1, column: 1, offset: 0 } };
    return { name: h.name, expand: h.expand ?? true, chomp: h.chomp ?? false, fd: undefined, content: h.content, wordRange: c.r(i, end), bodyRange: body };
  });
}

/** rawOf builds the RawInstruction for one line of Dockerfile text (optionally with heredoc bodies). */
export function rawOf(text: string, opts: RawOptions = {}): RawInstruction {
  const line = opts.line ?? 1;
  const base = opts.offset ?? 0;
  const c: Cursor = { text, r: (from, to) => at(from, to, line, base) };
  return rawFrom(c, 0, text.length, opts);
}

function rawFrom(c: Cursor, start: number, end: number, opts: RawOptions): RawInstruction {
  const kwEnd = wordEnd(c.text, start);
  const keyword = c.text.slice(start, kwEnd);
  const kw = keyword.toLowerCase();
  const { flags, restStart } = splitFlags(c, kwEnd);
  const textStart = skipSpace(c.text, kwEnd);
  const restFrom = Math.min(restStart, end);
  const isOnbuild = kw === "onbuild" && restFrom < end;
  const { args, json } = isOnbuild ? { args: [], json: false } : argsFor(kw, c, restFrom, end);
  const heredocs = isOnbuild ? [] : heredocsOf(c, opts.heredocs ?? [], (opts.line ?? 1) + 1);
  const trigger = isOnbuild ? rawFrom(c, restFrom, end, opts) : undefined;
  return {
    keyword,
    keywordRange: c.r(start, kwEnd),
    range: c.r(start, end),
    flags,
    args,
    json,
    rest: word(c, restFrom, end),
    text: c.text.slice(textStart, end),
    heredocs,
    comments: [],
    trigger,
  };
}
