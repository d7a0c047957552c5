/**
 * Check options: the value of the `# check=` directive, of a `# check=` comment right above an
 * instruction, or of the BUILDKIT_DOCKERFILE_CHECK build arg. Syntax (BuildKit's
 * ParseLintOptions): up to three `;`-separated options, each `skip=<Rule,...|all>`,
 * `error=<bool>` or `experimental=<Rule,...|all>`.
 */
import type { Comment } from "../ast.js";
import type { RuleSpec } from "./catalog.js";

/** CheckConfig says which rules run and whether findings are errors. */
export interface CheckConfig {
  readonly skipAll: boolean;
  readonly skip: ReadonlySet<string>;
  readonly experimentalAll: boolean;
  readonly experimental: ReadonlySet<string>;
  readonly error: boolean;
}

/** DEFAULT_CHECK_CONFIG runs every non-experimental rule as a warning. */
export const DEFAULT_CHECK_CONFIG: CheckConfig = {
  skipAll: false,
  skip: new Set(),
  experimentalAll: false,
  experimental: new Set(),
  error: false,
};

/** parseGoBool accepts what Go's strconv.ParseBool accepts. */
function parseGoBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** ruleList splits `A, B` into trimmed names; `all` is reported separately. */
function ruleList(v: string): { all: boolean; names: string[] } {
  const t = v.trim();
  if (t === "all") return { all: true, names: [] };
  return { all: false, names: t.split(",").map((s) => s.trim()) };
}

/**
 * parseCheckOptions parses a check value (already cut at its first space). An empty value is
 * the default config. Returns the config or a message naming the bad option.
 */
export function parseCheckOptions(value: string): { config: CheckConfig } | { error: string } {
  const text = value.trim();
  if (text === "") return { config: DEFAULT_CHECK_CONFIG };
  // Like Go's strings.SplitN(s, ";", 3): a third part keeps any further `;`.
  const pieces = text.split(";");
  const parts = pieces.length > 3 ? [pieces[0] ?? "", pieces[1] ?? "", pieces.slice(2).join(";")] : pieces;
  let config: CheckConfig = DEFAULT_CHECK_CONFIG;
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) return { error: `invalid check option "${part}": expected skip=, error= or experimental=` };
    const key = part.slice(0, eq).trim();
    const v = part.slice(eq + 1);
    if (key === "skip") {
      const { all, names } = ruleList(v);
      config = { ...config, skipAll: all, skip: new Set(names) };
    } else if (key === "experimental") {
      const { all, names } = ruleList(v);
      config = { ...config, experimentalAll: all, experimental: new Set(names) };
    } else if (key === "error") {
      const b = parseGoBool(v.trim());
      if (b === undefined) return { error: `invalid check option "${part}": error= takes true or false` };
      config = { ...config, error: b };
    } else {
      return { error: `invalid check option "${key}": expected skip=, error= or experimental=` };
    }
  }
  return { config };
}

/** checkValue cuts a directive value at its first space, as BuildKit does. */
export function checkValue(value: string): string {
  const sp = value.indexOf(" ");
  return sp < 0 ? value : value.slice(0, sp);
}

/** mergeConfig adds an instruction's skip and experimental lists to the file's config. */
export function mergeConfig(base: CheckConfig, extra: CheckConfig): CheckConfig {
  return {
    skipAll: base.skipAll || extra.skipAll,
    skip: new Set([...base.skip, ...extra.skip]),
    experimentalAll: base.experimentalAll || extra.experimentalAll,
    experimental: new Set([...base.experimental, ...extra.experimental]),
    error: base.error,
  };
}

/**
 * ruleEnabled applies BuildKit's rule: an experimental rule runs only when enabled (skip lists
 * do not apply to it); any other rule runs unless skipped by name or by `skip=all`.
 */
export function ruleEnabled(config: CheckConfig, spec: RuleSpec<readonly string[]>): boolean {
  if (spec.experimental) return config.experimentalAll || config.experimental.has(spec.name);
  return !config.skipAll && !config.skip.has(spec.name);
}

const COMMENT_DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/**
 * checkComment finds the first `check=` line among an instruction's comments and returns its
 * value, with the line. Other directive-shaped comments (`syntax=`, `escape=`) are passed over.
 */
export function checkComment(comments: readonly Comment[]): { value: string; comment: Comment } | undefined {
  for (const comment of comments) {
    const m = COMMENT_DIRECTIVE.exec(comment.text.trim());
    if (m && m[1]?.toLowerCase() === "check") return { value: checkValue(m[2] ?? ""), comment };
  }
  return undefined;
}
