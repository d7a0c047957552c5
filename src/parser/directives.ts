/**
 * Parser directives (`# syntax=`, `# escape=`, `# check=`): Dockerfile reference "Parser
 * directives"; BuildKit parser/directives.go. They are read only while every line so far has
 * been a directive; the first other line (blank, comment, instruction, unknown key) ends them.
 */
import type { Diagnostic, SourceRange } from "../core/diagnostic.js";
import type { Directive } from "./ast.js";

const DIRECTIVE_RE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN = new Set(["syntax", "escape", "check"]);

/** DirectiveReader consumes the top lines of a file and records directives and their errors. */
export class DirectiveReader {
  readonly directives: Directive[] = [];
  escapeChar: "\\" | "`" = "\\";
  private done = false;

  /** active is true while directives may still follow (only lines at the very top can be directives). */
  get active(): boolean {
    return !this.done;
  }

  constructor(
    private readonly file: string,
    private readonly diagnostics: Diagnostic[],
  ) {}

  /**
   * offer looks at one left-trimmed physical line (without its line ending) and returns true
   * when it is a directive line, which is then neither a comment nor an instruction.
   */
  offer(line: string, range: SourceRange): boolean {
    if (this.done) return false;
    const m = DIRECTIVE_RE.exec(line);
    const key = m?.[1]?.toLowerCase();
    if (!m || key === undefined || !KNOWN.has(key)) {
      this.done = true;
      return false;
    }
    const value = m[2] ?? "";
    if (this.directives.some((d) => d.name === key)) {
      this.error(`only one ${key} parser directive can be used`, range, "remove the repeated directive line");
      return true;
    }
    if (key === "escape") {
      if (value !== "\\" && value !== "`") {
        this.error(`invalid escape token '${value}' does not match \` or \\`, range, "use `# escape=\\` or `# escape=``");
        return true;
      }
      this.escapeChar = value;
    }
    this.directives.push({ name: key as Directive["name"], value, range: range });
    return true;
  }

  private error(message: string, range: SourceRange, hint: string): void {
    this.diagnostics.push({ code: "InvalidDirective", severity: "error", message, file: this.file, range, notes: [{ message: hint }] });
  }
}
