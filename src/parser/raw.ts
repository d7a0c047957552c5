/**
 * The seam between the parser's two layers, as in BuildKit (parser.Node -> instructions):
 *
 * - layer 1 (lines, chevrotain lexer/CstParser, to-ast) turns text into RawInstructions: keyword,
 *   flags and arguments in the shape of BuildKit's dump, heredoc bodies, comments and ranges;
 * - layer 2 (src/parser/instructions/, one file per instruction) validates a RawInstruction and
 *   builds the typed Instruction of ast.ts, reporting diagnostics for bad flags and arguments.
 */
import type { Diagnostic, SourceRange } from "../core/diagnostic.js";
import type { Comment, Flag, Heredoc, Instruction, Word } from "./ast.js";

/** RawInstruction is one instruction as layer 1 produces it. */
export interface RawInstruction {
  /** Keyword as written. */
  readonly keyword: string;
  readonly keywordRange: SourceRange;
  /** First physical line to last, heredoc bodies included. */
  readonly range: SourceRange;
  readonly flags: readonly Flag[];
  /** Arguments exactly as the BuildKit dump prints them (see conformance/README.md 1.2). */
  readonly args: readonly Word[];
  /** True when `args` came from a JSON string array (exec form / JSON form). */
  readonly json: boolean;
  /** The text after the flags, trimmed, with its range (empty word when nothing follows). */
  readonly rest: Word;
  /** The joined logical line after the keyword, before flag splitting. */
  readonly text: string;
  readonly heredocs: readonly Heredoc[];
  readonly comments: readonly Comment[];
  /** For ONBUILD: the trigger, parsed by the same rules. */
  readonly trigger: RawInstruction | undefined;
}

/** LowerContext is what layer 2 needs besides the raw instruction. */
export interface LowerContext {
  readonly file: string;
  readonly escapeChar: "\\" | "`";
}

/** LowerResult is layer 2's output for one instruction: never throws; errors are diagnostics. */
export interface LowerResult {
  readonly instruction: Instruction;
  readonly diagnostics: readonly Diagnostic[];
}
