/**
 * Layer 1 of the parser: Dockerfile text or bytes to RawInstructions (BuildKit parser.Parse).
 * It never throws on user input; every problem is a Diagnostic, and parsing goes on after an
 * error so that all of them are reported at once.
 */
import type { Diagnostic, Position } from "../core/diagnostic.js";
import type { Comment, Directive, Heredoc } from "./ast.js";
import { decode } from "./decode.js";
import { heredocsIn } from "./heredoc.js";
import { LineReader, type LogicalLine } from "./lines.js";
import type { RawInstruction } from "./raw.js";
import { lineToRaw, shallowRaw, type RawContext } from "./to-raw.js";

/** ParseRawOptions: `file` is the name diagnostics use (default `Dockerfile`). */
export interface ParseRawOptions {
  readonly file?: string;
}

/** ParseRawResult is layer 1's output. `source` is the decoded text every range offset indexes. */
export interface ParseRawResult {
  readonly file: string;
  readonly source: string;
  readonly raw: readonly RawInstruction[];
  readonly directives: readonly Directive[];
  readonly escapeChar: "\\" | "`";
  /** Comments attached to no instruction. */
  readonly comments: readonly Comment[];
  readonly diagnostics: readonly Diagnostic[];
  /** Position after the last character of the source. */
  readonly end: Position;
}

const HEREDOC_KEYWORDS = new Set(["run", "copy", "add"]);

/** canContainHeredoc mirrors BuildKit: RUN, COPY and ADD in shell form, also as an ONBUILD trigger. */
function canContainHeredoc(raw: RawInstruction): boolean {
  const target = raw.keyword.toLowerCase() === "onbuild" && raw.trigger ? raw.trigger : raw;
  return HEREDOC_KEYWORDS.has(target.keyword.toLowerCase()) && !target.json;
}

/** indentedTerminator finds a body line that is the delimiter with leading blanks, for a better error. */
function indentedTerminator(content: string, name: string): number {
  const lines = content.split("\n");
  return lines.findIndex((l) => l.replace(/\r+$/, "").trim() === name);
}

/** readHeredocs reads the bodies of every heredoc on the line, in order, from the lines after it. */
function readHeredocs(reader: LineReader, line: LogicalLine, ctx: RawContext): Heredoc[] {
  const out: Heredoc[] = [];
  for (const w of heredocsIn(line.text, 0, line.text.length)) {
    const body = reader.readHeredoc(w.name, w.chomp);
    const wordRange = line.map.range(w.start, w.end);
    const { name, expand, chomp, fd } = w;
    out.push({ name, expand, chomp, fd, content: body.content, wordRange, bodyRange: body.range });
    if (body.terminated) continue;
    const notes = [{ message: `end the body with a line that is exactly ${JSON.stringify(name)}` }];
    const indented = indentedTerminator(body.content, name);
    if (indented >= 0) {
      const hint = chomp ? "only leading tabs are removed with <<-" : "use <<- and tabs to indent the terminator";
      notes.push({ message: `line ${body.range.start.line + indented} has the delimiter with leading white space; ${hint}` });
    }
    ctx.diagnostics.push({ code: "UnterminatedHeredoc", severity: "error", message: "unterminated heredoc", file: ctx.file, range: wordRange, notes });
    break;
  }
  return out;
}

/** instruction completes one logical line: parse it, then read its heredoc bodies. */
function instruction(reader: LineReader, line: LogicalLine, file: string, diagnostics: Diagnostic[]): RawInstruction {
  const ctx: RawContext = { file, escapeChar: reader.escapeChar, diagnostics, map: line.map };
  if (line.tooLong) return { ...shallowRaw(line.text, ctx), range: { start: line.map.position(0), end: line.end }, comments: line.comments };
  const raw = lineToRaw(line.text, 0, line.text.length, ctx);
  const heredocs = canContainHeredoc(raw) && line.text.includes("<<") ? readHeredocs(reader, line, ctx) : [];
  const end = heredocs.length > 0 ? reader.endOfInput : line.end;
  const trigger = raw.trigger && { ...raw.trigger, heredocs, range: { start: raw.trigger.range.start, end } };
  return { ...raw, range: { start: raw.range.start, end }, heredocs, comments: line.comments, trigger };
}

/** parseRaw parses a Dockerfile into RawInstructions; it never throws on user input. */
export function parseRaw(input: string | Uint8Array, opts: ParseRawOptions = {}): ParseRawResult {
  const file = opts.file ?? "Dockerfile";
  const { text, diagnostics } = decode(input, file);
  const reader = new LineReader(text, file, diagnostics);
  const raw: RawInstruction[] = [];
  for (let line = reader.next(); line; line = reader.next()) raw.push(instruction(reader, line, file, diagnostics));
  const end = reader.endOfInput;
  if (raw.length === 0) {
    diagnostics.push({
      code: "NoInstructions",
      severity: "error",
      message: "file with no instructions",
      file,
      range: { start: end, end },
      notes: [{ message: "a Dockerfile needs at least a FROM instruction" }],
    });
  }
  const { directives, escapeChar } = reader.directives;
  return { file, source: text, raw, directives, escapeChar, comments: reader.looseComments, diagnostics, end };
}
