/**
 * The CST visitor: one parsed instruction line becomes a RawInstruction (without heredoc bodies,
 * which the caller reads from the following lines). The keyword picks the argument shape of
 * args.ts, as BuildKit's dispatch table does; ONBUILD's trigger goes through the same function.
 */
import type { CstNode, IToken } from "chevrotain";
import type { Diagnostic, SourceRange } from "../core/diagnostic.js";
import type { Flag, Word } from "./ast.js";
import { healthcheck, maybeJson, nameValue, quoteAwareWords, single, splitWhitespace, type ArgsResult, type Span } from "./args.js";
import { lineParser, parseInstructionLine } from "./cst-parser.js";
import type { InstructionLineCstChildren } from "./cst-types.js";
import { isLineSpace, trimBounds, type OffsetMap } from "./offsets.js";
import type { RawInstruction } from "./raw.js";
import { lexLine } from "./tokens.js";

// Deviation: BuildKit recurses without a bound here (grammar/DEVIATIONS.md).
/** MAX_ONBUILD_DEPTH bounds `ONBUILD ONBUILD ...` nesting, so a hostile line cannot recurse without limit. */
export const MAX_ONBUILD_DEPTH = 8;

/** RawContext is what turning a line into a RawInstruction needs besides the line. */
export interface RawContext {
  readonly file: string;
  readonly escapeChar: "\\" | "`";
  readonly diagnostics: Diagnostic[];
  readonly map: OffsetMap;
}

/** LineParts is what the visitor reads off the instructionLine CST. */
interface LineParts {
  readonly keyword: IToken | undefined;
  readonly flags: readonly IToken[];
  readonly rest: IToken | undefined;
}

/** InstructionLineVisitor collects the keyword, flag and rest tokens of an instructionLine node. */
interface InstructionLineVisitor {
  visit(cst: CstNode): LineParts;
}

let visitor: InstructionLineVisitor | undefined;

/** lineVisitor returns the one visitor, made with the parser on first use (see lineParser). */
function lineVisitor(): InstructionLineVisitor {
  if (visitor) return visitor;
  const BaseVisitor = lineParser().getBaseCstVisitorConstructorWithDefaults<unknown, LineParts>();
  class Visitor extends BaseVisitor {
    constructor() {
      super();
      this.validateVisitor();
    }

    instructionLine(children: InstructionLineCstChildren): LineParts {
      return { keyword: children.Keyword[0], flags: children.Flag ?? [], rest: children.Rest?.[0] };
    }
  }
  visitor = new Visitor() as InstructionLineVisitor;
  return visitor;
}

/** unquoteFlag applies BuildKit's flag scanner to one flag word: quotes removed, `\x` becomes `x`. */
function unquoteFlag(raw: string): { text: string; eq: number } {
  let text = "";
  let quote = "";
  let eq = -1;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === "\\") {
      text += raw[++i] ?? "";
      continue;
    }
    if (quote !== "") {
      if (c === quote) quote = "";
      else text += c;
    } else if (c === "'" || c === '"') quote = c;
    else {
      if (c === "=" && eq < 0) eq = i;
      text += c;
    }
  }
  return { text, eq };
}

/** flagOf builds a Flag from a Flag token at `base` in the joined line. */
function flagOf(t: IToken, base: number, map: OffsetMap): Flag {
  const start = base + t.startOffset;
  const end = start + t.image.length;
  const { text, eq } = unquoteFlag(t.image);
  const cut = text.indexOf("=");
  return {
    name: (cut < 0 ? text : text.slice(0, cut)).slice(2),
    value: cut < 0 ? undefined : text.slice(cut + 1),
    text,
    range: map.range(start, end),
    nameRange: map.range(start + 2, eq < 0 ? end : start + eq),
    valueRange: eq < 0 ? undefined : map.range(start + eq + 1, end),
  };
}

/** argsFor dispatches on the lower-cased keyword (BuildKit parser.go dispatch). */
function argsFor(kw: string, s: string, a: number, b: number, ctx: RawContext): ArgsResult {
  switch (kw) {
    case "from":
    case "expose":
      return { args: splitWhitespace(s, a, b), json: false };
    case "add":
    case "copy":
    case "volume":
      return maybeJson(s, a, b, true);
    case "run":
    case "cmd":
    case "entrypoint":
    case "shell":
      return maybeJson(s, a, b, false);
    case "maintainer":
    case "user":
    case "workdir":
    case "stopsignal":
      return single(s, a, b);
    case "env":
    case "label":
      return nameValue(s, a, b, ctx.escapeChar, kw.toUpperCase());
    case "arg":
      return { args: quoteAwareWords(s, a, b, ctx.escapeChar), json: false };
    case "healthcheck":
      return healthcheck(s, a, b);
    default:
      // Unknown keywords keep one empty argument (BuildKit parseIgnore); layer 2 reports them.
      return { args: [{ value: "", start: a, end: a }], json: false };
  }
}

function error(ctx: RawContext, code: string, message: string, range: SourceRange, hint: string): void {
  ctx.diagnostics.push({ code, severity: "error", message, file: ctx.file, range, notes: [{ message: hint }] });
}

const wordOf = (sp: Span, map: OffsetMap): Word => ({ value: sp.value, range: map.range(sp.start, sp.end) });

/**
 * lineToRaw parses s[a, b) of a joined line as one instruction. The result's `range` ends where
 * the text ends and `heredocs`/`comments` are empty: the caller completes them.
 */
export function lineToRaw(s: string, a0: number, b0: number, ctx: RawContext, depth = 0): RawInstruction {
  const [a, b] = trimBounds(s, a0, b0);
  const { map } = ctx;
  const parsed = a < b ? parseInstructionLine(lexLine(s.slice(a, b))) : undefined;
  for (const e of parsed?.errors ?? []) {
    const at = a + (Number.isFinite(e.token.startOffset) ? e.token.startOffset : 0);
    error(ctx, "SyntaxError", e.message, map.range(at, at + Math.max(1, e.token.image.length)), "check the instruction's syntax");
  }
  const parts: LineParts = parsed ? lineVisitor().visit(parsed.cst) : { keyword: undefined, flags: [], rest: undefined };
  const kwEnd = a + (parts.keyword?.image.length ?? 0);
  const restStart = parts.rest ? a + parts.rest.startOffset : b;
  let textStart = kwEnd;
  while (textStart < b && isLineSpace(s.charCodeAt(textStart))) textStart++;
  const keyword = parts.keyword?.image ?? "";
  const kw = keyword.toLowerCase();
  let trigger: RawInstruction | undefined;
  let result: ArgsResult = { args: [], json: false };
  if (kw === "onbuild") {
    if (depth >= MAX_ONBUILD_DEPTH && restStart < b) {
      error(ctx, "NestingTooDeep", `ONBUILD nested more than ${MAX_ONBUILD_DEPTH} levels deep`, map.range(restStart, b), "ONBUILD takes one ordinary instruction");
    } else if (restStart < b) trigger = lineToRaw(s, restStart, b, ctx, depth + 1);
  } else result = argsFor(kw, s, restStart, b, ctx);
  if (result.error) error(ctx, result.error.code, result.error.message, map.range(result.error.start, result.error.end), result.error.hint);
  return {
    keyword,
    keywordRange: map.range(a, kwEnd),
    range: map.range(a, b),
    flags: parts.flags.map((t) => flagOf(t, a, map)),
    args: result.args.map((sp) => wordOf(sp, map)),
    json: result.json,
    rest: { value: s.slice(restStart, b), range: map.range(restStart, b) },
    text: s.slice(textStart, b),
    heredocs: [],
    comments: [],
    trigger,
  };
}

/**
 * shallowRaw keeps an instruction whose line broke the length limit (already an error) as just
 * its keyword and the rest as one argument, so a hostile line costs no flag, JSON or heredoc work.
 */
export function shallowRaw(s: string, ctx: RawContext): RawInstruction {
  const [a, b] = trimBounds(s, 0, s.length);
  let kwEnd = a;
  while (kwEnd < b && !isLineSpace(s.charCodeAt(kwEnd))) kwEnd++;
  let restStart = kwEnd;
  while (restStart < b && isLineSpace(s.charCodeAt(restStart))) restStart++;
  const rest: Word = { value: s.slice(restStart, b), range: ctx.map.range(restStart, b) };
  return {
    keyword: s.slice(a, kwEnd),
    keywordRange: ctx.map.range(a, kwEnd),
    range: ctx.map.range(a, b),
    flags: [],
    args: restStart < b ? [rest] : [],
    json: false,
    rest,
    text: rest.value,
    heredocs: [],
    comments: [],
    trigger: undefined,
  };
}
