/**
 * The instruction-line grammar, and nothing else: one chevrotain CstParser with error recovery.
 * Line joining, directives, comments and heredoc bodies are line-oriented and live in lines.ts;
 * what each instruction does with its rest is in args.ts. grammar/dockerfile.ebnf mirrors these
 * rules by name.
 */
import { CstParser, type CstNode, type IRecognitionException, type IToken } from "chevrotain";
import {
  allTokens,
  Colon,
  Comma,
  DoubleDash,
  Flag,
  JsonFalse,
  JsonNull,
  JsonNumber,
  JsonString,
  JsonTrue,
  Keyword,
  LBrace,
  LBracket,
  RBrace,
  RBracket,
  Rest,
} from "./tokens.js";

/** DockerfileLineParser holds the grammar rules; build it only through lineParser(). */
export class DockerfileLineParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, nodeLocationTracking: "none" });
    this.performSelfAnalysis();
  }

  /** instructionLine: keyword, leading flags, an optional bare `--`, and the rest. */
  readonly instructionLine = this.RULE("instructionLine", () => {
    this.CONSUME(Keyword);
    this.MANY(() => this.CONSUME(Flag));
    this.OPTION(() => this.CONSUME(DoubleDash));
    this.OPTION2(() => this.CONSUME(Rest));
  });

  /** jsonArray: the exec form, `[` values separated by `,` `]`. */
  readonly jsonArray = this.RULE("jsonArray", () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.jsonValue);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.jsonValue);
      });
    });
    this.CONSUME(RBracket);
  });

  /** jsonValue: any JSON value; only strings are allowed in an exec form, which the visitor checks. */
  readonly jsonValue = this.RULE("jsonValue", () => {
    this.OR([
      { ALT: () => this.CONSUME(JsonString) },
      { ALT: () => this.CONSUME(JsonNumber) },
      { ALT: () => this.CONSUME(JsonTrue) },
      { ALT: () => this.CONSUME(JsonFalse) },
      { ALT: () => this.CONSUME(JsonNull) },
      { ALT: () => this.SUBRULE(this.jsonArray) },
      { ALT: () => this.SUBRULE(this.jsonObject) },
    ]);
  });

  /** jsonObject: `{` members separated by `,` `}`. */
  readonly jsonObject = this.RULE("jsonObject", () => {
    this.CONSUME(LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.jsonMember);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.jsonMember);
      });
    });
    this.CONSUME(RBrace);
  });

  /** jsonMember: `"key": value`. */
  readonly jsonMember = this.RULE("jsonMember", () => {
    this.CONSUME(JsonString);
    this.CONSUME(Colon);
    this.SUBRULE(this.jsonValue);
  });
}

let instance: DockerfileLineParser | undefined;

/**
 * lineParser returns the one parser instance, built on first use: chevrotain parsers are costly to
 * build (its grammar analysis takes ~18 ms, which `import "tsbuild"` should not pay when it never
 * parses) and reusable.
 */
export function lineParser(): DockerfileLineParser {
  instance ??= new DockerfileLineParser();
  return instance;
}

/** ParseOutcome is a CST plus the recognition errors recovery got past. */
export interface ParseOutcome {
  readonly cst: CstNode;
  readonly errors: readonly IRecognitionException[];
}

/** parseInstructionLine runs the instructionLine rule over line tokens. */
export function parseInstructionLine(tokens: IToken[]): ParseOutcome {
  const parser = lineParser();
  parser.input = tokens;
  const cst = parser.instructionLine();
  return { cst, errors: parser.errors };
}

/** parseJsonArray runs the jsonArray rule over JSON tokens; callers bound the nesting depth first. */
export function parseJsonArray(tokens: IToken[]): ParseOutcome {
  const parser = lineParser();
  parser.input = tokens;
  const cst = parser.jsonArray();
  return { cst, errors: parser.errors };
}
