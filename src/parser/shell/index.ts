// Shell words and variable expansion as BuildKit's Dockerfile frontend does them
// (moby/buildkit frontend/dockerfile/shell/lex.go; Dockerfile reference "Environment replacement").
import { ExpansionError } from "./errors.js";
import { type LexMode, Lexer } from "./lexer.js";
import { type ExpandResult, MAX_EXPANSION_LENGTH, type ShellEnv, type ShellOptions } from "./types.js";
import { WordCollector } from "./words.js";

export { MAX_EXPANSION_LENGTH, MAX_NESTING_DEPTH, MAX_PATTERN_STEPS } from "./types.js";
export type { ExpandResult, ShellEnv, ShellOptions } from "./types.js";

/**
 * resolveMode fills in ShellOptions defaults. A maxLength that is not a positive integer is a
 * programming error and throws RangeError.
 */
function resolveMode(opts: ShellOptions): LexMode {
  const maxLength = opts.maxLength ?? MAX_EXPANSION_LENGTH;
  if (!Number.isSafeInteger(maxLength) || maxLength <= 0) {
    throw new RangeError(`ShellOptions.maxLength must be a positive integer, got ${maxLength}`);
  }
  return {
    esc: (opts.escapeChar ?? "\\").charCodeAt(0),
    rawQuotes: opts.rawQuotes ?? false,
    rawEscapes: opts.rawEscapes ?? false,
    skipUnsetEnv: opts.skipUnsetEnv ?? false,
    skipProcessQuotes: opts.skipProcessQuotes ?? false,
    maxLength,
  };
}

function run<T>(word: string, env: ShellEnv, opts: ShellOptions, finish: (lx: Lexer) => T): ExpandResult<T> {
  const lx = new Lexer(word, env, resolveMode(opts));
  try {
    const value = finish(lx);
    return { ok: true, value, matched: lx.matched, unmatched: lx.unmatched };
  } catch (e) {
    if (e instanceof ExpansionError) {
      return { ok: false, message: e.message, offset: e.offset, matched: lx.matched, unmatched: lx.unmatched };
    }
    throw e;
  }
}

/**
 * processWord expands `$name`/`${...}` in `word` and removes quotes and escape characters, giving
 * one string (BuildKit ProcessWord / ProcessWordWithMatches). It never throws on user input.
 */
export function processWord(word: string, env: ShellEnv, opts: ShellOptions = {}): ExpandResult<string> {
  return run(word, env, opts, (lx) => lx.run(null));
}

/**
 * processWords expands `word` like processWord, then splits it into words (BuildKit ProcessWords):
 * at unquoted whitespace of the source and at whitespace inside the value of an unquoted
 * expansion. Quoted and escaped characters never split; an empty quoted string makes no word;
 * `<<` and the blanks after it stay glued to the next word.
 */
export function processWords(word: string, env: ShellEnv, opts: ShellOptions = {}): ExpandResult<string[]> {
  return run(word, env, opts, (lx) => {
    const words = new WordCollector();
    lx.run(words);
    return words.finish();
  });
}

/**
 * expandHeredocBody expands the body of a COPY/ADD heredoc whose delimiter was not quoted, as
 * BuildKit's ExpandRaw does: quote characters are plain text, `\` is always the escape character
 * (whatever `# escape=` says), so `\$` gives `$` and a backslash before any other character is
 * removed too.
 */
export function expandHeredocBody(
  body: string,
  env: ShellEnv,
  opts: Pick<ShellOptions, "maxLength"> = {},
): ExpandResult<string> {
  return processWord(body, env, { escapeChar: "\\", skipProcessQuotes: true, maxLength: opts.maxLength });
}
