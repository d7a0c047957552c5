/**
 * Token vocabulary of the instruction-line grammar (chevrotain 11), in two lexers:
 *
 * - the line lexer (modes keyword -> flags -> rest) cuts one logical instruction line into the
 *   keyword, the leading `--flag` words and the rest, as BuildKit's splitCommand and
 *   extractBuilderFlags do;
 * - the JSON lexer tokenizes the rest for the exec (JSON array) form with the exact token
 *   syntax of Go's encoding/json.
 *
 * Both lexers are built once per process (module singletons) and hold no per-call state.
 */
import { createToken, Lexer, type IToken, type TokenType } from "chevrotain";

/** FLAG_ESCAPE is `\\`: BuildKit's flag scanner hard-codes the backslash, whatever `# escape=` says. */
const FLAG_ESCAPE = 92;

/** FLAG_SPACE is the white space that ends a flag word (BuildKit's byte-wise unicode.IsSpace). */
const FLAG_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0";

/** isFlagSpace reports whether c ends a flag word. */
function isFlagSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
}

// Deviation: BuildKit's flag scanner walks bytes; this one walks characters (grammar/DEVIATIONS.md).
/**
 * matchFlag is the custom pattern of a flag word: `--` then everything up to unquoted white
 * space; `'` and `"` quote, and a backslash protects the next character.
 */
function matchFlag(text: string, offset: number): [string] | null {
  if (text.charCodeAt(offset) !== 45 || text.charCodeAt(offset + 1) !== 45) return null;
  let quote = 0;
  let i = offset + 2;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === FLAG_ESCAPE) i++;
    else if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 39 || c === 34) quote = c;
    else if (isFlagSpace(c)) break;
  }
  return [text.slice(offset, Math.min(i, text.length))];
}

/** matchDoubleDash matches a bare `--` word, which ends the flags. */
function matchDoubleDash(text: string, offset: number): [string] | null {
  if (text.charCodeAt(offset) !== 45 || text.charCodeAt(offset + 1) !== 45) return null;
  const after = offset + 2;
  return after >= text.length || isFlagSpace(text.charCodeAt(after)) ? ["--"] : null;
}

// Character classes are written as ranges, not complements, so chevrotain can index tokens by first character.
export const Keyword = createToken({ name: "Keyword", pattern: /[\x00-\x08\x0a\x0e-\x1f\x21-\uffff]+/, push_mode: "flags" });
export const FlagSpace = createToken({ name: "FlagSpace", pattern: new RegExp(`[${FLAG_SPACE}]+`), group: Lexer.SKIPPED });
export const DoubleDash = createToken({ name: "DoubleDash", pattern: { exec: matchDoubleDash }, start_chars_hint: ["-"], line_breaks: false, push_mode: "rest" });
export const Flag = createToken({ name: "Flag", pattern: { exec: matchFlag }, start_chars_hint: ["-"], line_breaks: false });
export const Rest = createToken({ name: "Rest", pattern: /[\x00-\uffff]+/, line_breaks: true });

export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /]/, label: "']'" });
export const LBrace = createToken({ name: "LBrace", pattern: /{/, label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: /}/, label: "'}'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const JsonString = createToken({
  name: "JsonString",
  pattern: /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/,
});
export const JsonNumber = createToken({ name: "JsonNumber", pattern: /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/ });
export const JsonTrue = createToken({ name: "JsonTrue", pattern: /true/, label: "true" });
export const JsonFalse = createToken({ name: "JsonFalse", pattern: /false/, label: "false" });
export const JsonNull = createToken({ name: "JsonNull", pattern: /null/, label: "null" });
export const JsonSpace = createToken({ name: "JsonSpace", pattern: /[ \t\n\r]+/, group: Lexer.SKIPPED });

const jsonTokens = [JsonSpace, LBracket, RBracket, LBrace, RBrace, Comma, Colon, JsonString, JsonNumber, JsonTrue, JsonFalse, JsonNull];

/** allTokens is every token type the CstParser knows. */
export const allTokens: TokenType[] = [Keyword, FlagSpace, DoubleDash, Flag, Rest, ...jsonTokens];

/**
 * The lexers are built on first use: chevrotain analyzes every token pattern when a Lexer is made
 * (~14 ms), which `import "tsbuild"` should not pay when it never parses.
 */
let lexers: { line: Lexer; json: Lexer } | undefined;

function lexersOnce(): { line: Lexer; json: Lexer } {
  lexers ??= {
    line: new Lexer(
      {
        modes: {
          keyword: [Keyword],
          flags: [FlagSpace, DoubleDash, Flag, Rest],
          rest: [FlagSpace, Rest],
        },
        defaultMode: "keyword",
      },
      { positionTracking: "onlyOffset", ensureOptimizations: true },
    ),
    json: new Lexer(jsonTokens, { positionTracking: "onlyOffset", ensureOptimizations: true }),
  };
  return lexers;
}

/** lexLine tokenizes one trimmed, non-empty instruction line; offsets are relative to `text`. */
export function lexLine(text: string): IToken[] {
  return lexersOnce().line.tokenize(text).tokens;
}

/** lexJson tokenizes a candidate JSON array; undefined when some character is not JSON at all. */
export function lexJson(text: string): IToken[] | undefined {
  const r = lexersOnce().json.tokenize(text);
  return r.errors.length > 0 ? undefined : r.tokens;
}
