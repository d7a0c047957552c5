// Public types and limits of the shell-word lexer (BuildKit frontend/dockerfile/shell/lex.go).

/** ShellEnv is the environment a word is expanded against; names are matched exactly (Linux rules). */
export type ShellEnv = ReadonlyMap<string, string>;

/** ShellOptions selects the lexer mode; every field is optional and defaults to BuildKit's plain `NewLex('\\')`. */
export interface ShellOptions {
  /** escapeChar is the Dockerfile's escape character (`# escape=` directive); default `\`. */
  escapeChar?: "\\" | "`";
  /** rawQuotes keeps quote characters in the output (BuildKit `RawQuotes`). */
  rawQuotes?: boolean;
  /** rawEscapes keeps escape characters in the output (BuildKit `RawEscapes`). */
  rawEscapes?: boolean;
  /** skipUnsetEnv leaves references to unset variables as written, e.g. `$FOO` stays `$FOO` (BuildKit `SkipUnsetEnv`). */
  skipUnsetEnv?: boolean;
  /** skipProcessQuotes treats `'` and `"` as plain characters (BuildKit `SkipProcessQuotes`, used for heredoc bodies). */
  skipProcessQuotes?: boolean;
  /** maxLength caps the length (UTF-16 code units) of every produced string; default MAX_EXPANSION_LENGTH. */
  maxLength?: number;
}

/**
 * ExpandResult is the outcome of an expansion. On success `matched` holds the variables that were
 * looked up and set and `unmatched` those looked up and not set (BuildKit ProcessWordWithMatches).
 * On failure `message` is BuildKit's message (BuildKit itself prefixes `failed to process "<word>": `)
 * and `offset` is the UTF-16 index in the input of the construct that failed: the `$` of a `${...}`,
 * or the opening quote of an unterminated quoted string. A failure still carries the variables
 * looked up before it, as BuildKit reports them to the UndefinedVar lint rule even when expansion fails.
 */
export type ExpandResult<T> =
  | { ok: true; value: T; matched: ReadonlySet<string>; unmatched: ReadonlySet<string> }
  | { ok: false; message: string; offset: number; matched: ReadonlySet<string>; unmatched: ReadonlySet<string> };

/**
 * MAX_EXPANSION_LENGTH is the default cap (1 MiB of UTF-16 code units) on any string expansion produces.
 * Why this value: the parser rejects source lines over 64 KiB, so only repeated expansion (`ENV A=$A$A`
 * chained 64 times would need 2^64 characters) can get near it; Linux refuses single environment
 * strings over 128 KiB (MAX_ARG_STRLEN) in execve, so no value a RUN step can use is cut; and the
 * bound keeps a hostile chain to a few MiB of memory before it stops with an error.
 */
export const MAX_EXPANSION_LENGTH = 1024 * 1024;

/**
 * MAX_NESTING_DEPTH is how deep `${v:-${w:-...}}` operand words may nest. Expansion recurses once per
 * level, so the bound keeps the JavaScript stack small no matter the input (BuildKit, in Go, has no
 * limit); real Dockerfiles nest two or three levels.
 */
export const MAX_NESTING_DEPTH = 100;

/**
 * MAX_PATTERN_STEPS bounds the work of one `#`, `%` or `/` substitution: the matcher is linear in
 * value length times pattern length, and this stops the product of two huge inputs (both up to
 * MAX_EXPANSION_LENGTH) from running for minutes. 5 million steps take about a tenth of a second.
 */
export const MAX_PATTERN_STEPS = 5_000_000;
