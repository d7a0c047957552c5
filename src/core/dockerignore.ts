/**
 * .dockerignore files: reading (moby/patternmatcher ignorefile.ReadAll rules), a matcher with
 * patternmatcher's MatchesOrParentMatches semantics, and BuildKit's choice of which ignore file
 * applies. Pure: no file system access; callers read the text.
 */
import { pos, type Diagnostic, type SourceRange } from "./diagnostic.js";
import { compilePattern, goClean, goDir, type CompiledPattern } from "./pattern-matcher.js";

export { goClean, type CompiledPattern } from "./pattern-matcher.js";

/** IgnoreRule is one pattern line of a .dockerignore, after trimming and cleaning. */
export interface IgnoreRule {
  /** The cleaned pattern, without the `!`. */
  readonly pattern: string;
  /** True for a `!` exception line. */
  readonly exclusion: boolean;
  /** 1-based line number in the ignore file. */
  readonly line: number;
}

/** IgnoreMatcher answers "is this context path excluded?" for a list of patterns. */
export interface IgnoreMatcher {
  /** The compiled patterns, in file order. */
  readonly patterns: readonly CompiledPattern[];
  /** True when any pattern is a `!` exception. */
  readonly hasExclusions: boolean;
  /**
   * matches reports whether a slash-separated path relative to the context root is excluded:
   * the last pattern that matches the path or one of its parent directories decides. The path
   * is cleaned first; `.` (the root itself) is never excluded. As in patternmatcher, a leading
   * `/` is not removed, so `/a` is not matched by the pattern `a`.
   */
  matches(path: string): boolean;
}

/** DockerignoreResult is a parsed ignore file: its rules, a matcher over the valid ones, and errors. */
export interface DockerignoreResult {
  readonly rules: readonly IgnoreRule[];
  readonly matcher: IgnoreMatcher;
  readonly diagnostics: readonly Diagnostic[];
}

const BOM = "\uFEFF";

/** lineRange covers the whole of line `line` (1-based) starting at `offset`. */
function lineRange(line: number, offset: number, length: number): SourceRange {
  return { start: pos(line, 1, offset), end: pos(line, length + 1, offset + length) };
}

/** cleanLine applies ReadAll's per-line rules; returns undefined for comments and blanks. */
function cleanLine(raw: string): string | undefined {
  // Only a `#` in column 1 starts a comment; ` # x` is a pattern.
  if (raw.startsWith("#")) return undefined;
  let pattern = raw.trim();
  if (pattern === "") return undefined;
  const invert = pattern.startsWith("!");
  if (invert) pattern = pattern.slice(1).trim();
  if (pattern.length > 0) {
    pattern = goClean(pattern);
    if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
  }
  return invert ? "!" + pattern : pattern;
}

/** splitExclusion applies patternmatcher.New's checks to a cleaned line: `!` alone is an error. */
function splitExclusion(line: string): { pattern: string; exclusion: boolean } | string {
  const p = goClean(line.trim());
  if (!p.startsWith("!")) return { pattern: p, exclusion: false };
  if (p.length === 1) return `illegal exclusion pattern "!": an exception needs a path after the "!"`;
  return { pattern: p.slice(1), exclusion: true };
}

/**
 * parseDockerignore reads the text of an ignore file. A UTF-8 BOM is dropped; lines split on
 * `\n` (a trailing `\r` is removed); a line starting with `#` is a comment; others are trimmed,
 * blank ones skipped, a leading `!` marks an exception, and the pattern is cleaned as a path with
 * any leading `/` removed. Invalid patterns and a lone `!` become error diagnostics naming the
 * line; they are left out of the matcher.
 */
export function parseDockerignore(text: string, file = ".dockerignore"): DockerignoreResult {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  const rules: IgnoreRule[] = [];
  const compiled: CompiledPattern[] = [];
  const diagnostics: Diagnostic[] = [];
  let offset = text.length - body.length;
  body.split("\n").forEach((rawLine, index) => {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    const lineNo = index + 1;
    const here = offset;
    offset += rawLine.length + 1;
    const cleaned = cleanLine(line);
    if (cleaned === undefined) return;
    const split = splitExclusion(cleaned);
    const fail = (message: string): void => {
      diagnostics.push({ code: "DockerignoreSyntax", severity: "error", message, file, range: lineRange(lineNo, here, line.length), notes: [] });
    };
    if (typeof split === "string") return fail(split);
    const pat = compilePattern(split.pattern, split.exclusion);
    if ("message" in pat) return fail(`invalid pattern "${split.pattern}": ${pat.message}; escape it with a backslash or fix the bracket expression`);
    rules.push({ pattern: split.pattern, exclusion: split.exclusion, line: lineNo });
    compiled.push(pat);
  });
  return { rules, matcher: matcherOf(compiled), diagnostics };
}

/**
 * createPatternMatcher builds a matcher from pattern strings such as COPY `--exclude` values
 * (patternmatcher.New: each is trimmed and cleaned; a leading `!` is an exception). Returns the
 * matcher, or the first error message.
 */
export function createPatternMatcher(patterns: readonly string[]): IgnoreMatcher | { readonly error: string } {
  const compiled: CompiledPattern[] = [];
  for (const raw of patterns) {
    if (raw.trim() === "") continue;
    const split = splitExclusion(raw);
    if (typeof split === "string") return { error: split };
    const pat = compilePattern(split.pattern, split.exclusion);
    if ("message" in pat) return { error: `invalid pattern "${split.pattern}": ${pat.message}` };
    compiled.push(pat);
  }
  return matcherOf(compiled);
}

/** matcherOf wraps compiled patterns with last-match-wins, parent-aware matching. */
function matcherOf(patterns: readonly CompiledPattern[]): IgnoreMatcher {
  const hasExclusions = patterns.some((p) => p.exclusion);
  const matches = (path: string): boolean => {
    const file = goClean(path);
    if (file === ".") return false;
    const parent = goDir(file);
    const parents = parent === "." ? [] : prefixes(parent);
    let matched = false;
    for (const p of patterns) {
      // An inclusion cannot change an already-excluded path, nor an exception a kept one.
      if (p.exclusion !== matched) continue;
      if (p.matchPath(file) || parents.some((dir) => p.matchPath(dir))) matched = !p.exclusion;
    }
    return matched;
  };
  return { patterns, hasExclusions, matches };
}

/** prefixes lists `a`, `a/b`, `a/b/c` for `a/b/c`. */
function prefixes(dir: string): string[] {
  const parts = dir.split("/");
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/**
 * dockerignoreCandidates lists, in order of preference, the ignore files BuildKit consults for
 * a Dockerfile: `<dockerfile path>.dockerignore` (next to the Dockerfile, e.g.
 * `app.Dockerfile.dockerignore`), then `.dockerignore` at the context root. Paths are joined
 * with `/`; `contextDir` may be "" or "." for the current directory.
 */
export function dockerignoreCandidates(dockerfilePath: string, contextDir: string): [string, string] {
  const root = contextDir === "" || contextDir === "." ? "" : contextDir.replace(/\/+$/, "") + "/";
  return [`${dockerfilePath}.dockerignore`, `${root}.dockerignore`];
}

/**
 * chooseDockerignore picks the ignore file that applies: the first candidate of
 * dockerignoreCandidates for which `exists` is true, or undefined when neither exists (the
 * Dockerfile-specific file wins even when it is empty).
 */
export function chooseDockerignore(dockerfilePath: string, contextDir: string, exists: (path: string) => boolean): string | undefined {
  return dockerignoreCandidates(dockerfilePath, contextDir).find((p) => exists(p));
}
