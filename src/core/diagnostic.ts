/**
 * Position is a point in a source text: 1-based line and column (in UTF-16 code units), 0-based
 * offset. Line 0 means no place inside the file: the diagnostic is about the path as a whole (a
 * build context directory, a cache source).
 */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** SourceRange spans [start, end): end is exclusive. */
export interface SourceRange {
  readonly start: Position;
  readonly end: Position;
}

/** Severity is how bad a diagnostic is: errors fail the command, warnings and infos do not. */
export type Severity = "error" | "warning" | "info";

/** Note is an extra remark attached to a diagnostic, optionally pointing at another place. */
export interface Note {
  readonly message: string;
  readonly range?: SourceRange;
}

/**
 * Diagnostic is the one shape for every error, warning and lint finding in tsbuild.
 * `code` is a catalog name (a lint rule such as `StageNameCasing`, or a parser code such as
 * `UnknownFlag`); `file` is the path as the user named it.
 */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly range: SourceRange;
  readonly notes: readonly Note[];
}

/** pos builds a Position. */
export function pos(line: number, column: number, offset: number): Position {
  return { line, column, offset };
}

/** pathWarning is a warning about the path `file` as a whole (line 0: no place inside it). */
export function pathWarning(code: string, message: string, file: string): Diagnostic {
  const at = pos(0, 0, 0);
  return { code, severity: "warning", message, file, range: { start: at, end: at }, notes: [] };
}

/** locationOf formats `file:line:col` for a diagnostic (just `file` for line 0). */
export function locationOf(d: Pick<Diagnostic, "file" | "range">): string {
  return d.range.start.line === 0 ? d.file : `${d.file}:${d.range.start.line}:${d.range.start.column}`;
}

const TAB_WIDTH = 4;

/** expandTabs replaces tabs so carets line up; returns the new text and a column map. */
function expandTabs(line: string): { text: string; col: (c: number) => number } {
  const map: number[] = [];
  let out = "";
  for (let i = 0; i < line.length; i++) {
    map.push(out.length);
    out += line[i] === "\t" ? " ".repeat(TAB_WIDTH - (out.length % TAB_WIDTH)) : line[i];
  }
  map.push(out.length);
  return { text: out, col: (c) => map[Math.min(Math.max(c, 0), map.length - 1)] ?? out.length };
}

const MAX_FRAME_WIDTH = 200;

/**
 * codeFrame renders the source line of range.start with a caret line under the range
 * (clipped to that line), in the manner of esbuild and BuildKit's Source.Print.
 */
export function codeFrame(source: string, range: SourceRange): string {
  const lines = source.split("\n");
  const lineNo = range.start.line;
  const raw = (lines[lineNo - 1] ?? "").replace(/\r$/, "");
  const { text, col } = expandTabs(raw);
  const startCol = col(range.start.column - 1);
  const endCol = range.end.line === lineNo ? Math.max(col(range.end.column - 1), startCol + 1) : Math.max(text.length, startCol + 1);
  // Long lines are cut around the caret so a 1 MiB line never floods the terminal.
  let shown = text;
  let shift = 0;
  if (text.length > MAX_FRAME_WIDTH) {
    shift = Math.max(0, startCol - 40);
    shown = (shift > 0 ? "..." : "") + text.slice(shift, shift + MAX_FRAME_WIDTH) + "...";
    shift -= shift > 0 ? 3 : 0;
  }
  const gutter = String(lineNo);
  const pad = " ".repeat(gutter.length);
  const caretStart = startCol - shift;
  const caretLen = Math.min(endCol - startCol, Math.max(1, shown.length - caretStart));
  return `${gutter} | ${shown}\n${pad} | ${" ".repeat(Math.max(0, caretStart))}${"^".repeat(Math.max(1, caretLen))}`;
}

/**
 * formatDiagnostic prints `file:line:col: severity: message [code]`, then the code frame
 * (when the source is known), then each note.
 */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const parts = [`${locationOf(d)}: ${d.severity}: ${d.message} [${d.code}]`];
  if (source !== undefined) parts.push(codeFrame(source, d.range));
  for (const n of d.notes) {
    parts.push(n.range ? `  note: ${d.file}:${n.range.start.line}:${n.range.start.column}: ${n.message}` : `  note: ${n.message}`);
  }
  return parts.join("\n");
}
