/**
 * The Dockerfile linter (BuildKit's build checks): `lint(ast, options)` runs every rule of the
 * catalog over a parsed Dockerfile and returns diagnostics. Pure: no I/O, no clock.
 *
 * Check options come from the `# check=` directive (or BUILDKIT_DOCKERFILE_CHECK, which
 * replaces it) and from a `# check=` comment right above an instruction, which adds skips for
 * findings located at that instruction. `error=true` turns every finding into an error.
 */
import type { Diagnostic, SourceRange } from "../../core/diagnostic.js";
import type { Dockerfile, Instruction } from "../ast.js";
import { RULES } from "./catalog.js";
import { DEFAULT_CHECK_CONFIG, checkComment, checkValue, mergeConfig, parseCheckOptions, ruleEnabled, type CheckConfig } from "./config.js";
import { shellExpander } from "./expander.js";
import { copyIgnored } from "./rules/copy-ignored.js";
import { consistentCasing } from "./rules/casing.js";
import { description } from "./rules/description.js";
import { expose } from "./rules/expose.js";
import { fromArgs, invalidDefaultArg } from "./rules/from.js";
import { jsonArgs, legacyKeyValue, maintainer, singleUse } from "./rules/instructions.js";
import { secrets } from "./rules/secrets.js";
import { stageCasing, stageNames } from "./rules/stages.js";
import { undefinedVar } from "./rules/undefined-var.js";
import { workdir } from "./rules/workdir.js";
import { splitStages } from "../arg-scope.js";
import { globalScope, walkSteps } from "./scope.js";
import type { Finding, LintOptions, Rule, RuleInput } from "./types.js";

export { RULES, RULE_NAMES, isRuleName, type RuleName, type RuleSpec } from "./catalog.js";
export { parseCheckOptions, type CheckConfig } from "./config.js";
export type { LintOptions } from "./types.js";

/** ALL_RULES lists the rule implementations, in the order BuildKit runs them. */
const ALL_RULES: readonly Rule[] = [
  maintainer,
  stageCasing,
  description,
  stageNames,
  consistentCasing,
  invalidDefaultArg,
  fromArgs,
  undefinedVar,
  secrets,
  legacyKeyValue,
  workdir,
  jsonArgs,
  singleUse,
  expose,
  copyIgnored,
];

/** Config is the file-wide check config plus a diagnostic when it could not be read. */
interface FileConfig {
  readonly config: CheckConfig;
  readonly diagnostics: Diagnostic[];
}

const FILE_START: SourceRange = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

/** fileConfig reads the override or the `# check=` directive; a bad value is an error diagnostic. */
function fileConfig(ast: Dockerfile, opts: LintOptions): FileConfig {
  const directive = ast.directives.find((d) => d.name === "check");
  const fromOverride = opts.checkOverride !== undefined;
  const value = fromOverride ? (opts.checkOverride ?? "") : directive ? checkValue(directive.value) : "";
  const parsed = parseCheckOptions(value);
  if ("config" in parsed) return { config: parsed.config, diagnostics: [] };
  const where = fromOverride ? "BUILDKIT_DOCKERFILE_CHECK" : "the check directive";
  const diag: Diagnostic = {
    code: "InvalidCheckOptions",
    severity: "error",
    message: `failed to parse check options from ${where}: ${parsed.error}`,
    file: ast.file,
    range: !fromOverride && directive ? directive.range : FILE_START,
    notes: [{ message: "the value is `;`-separated options: skip=<Rule,...|all>, error=<true|false>, experimental=<Rule,...|all>" }],
  };
  return { config: DEFAULT_CHECK_CONFIG, diagnostics: [diag] };
}

/** instructionConfig merges an instruction's `# check=` comment into the file config, memoized. */
function instructionConfigs(base: CheckConfig, file: string, out: Diagnostic[]): (ins: Instruction | undefined) => CheckConfig {
  const memo = new Map<Instruction, CheckConfig>();
  return (ins) => {
    if (!ins) return base;
    const hit = memo.get(ins);
    if (hit) return hit;
    const found = checkComment(ins.comments);
    let config = base;
    if (found) {
      const parsed = parseCheckOptions(found.value);
      if ("config" in parsed) config = mergeConfig(base, parsed.config);
      else {
        // Deviation: BuildKit ignores a bad `# check=` comment silently; tsbuild says so.
        out.push({ code: "InvalidCheckOptions", severity: "warning", message: `ignored check comment: ${parsed.error}`, file, range: found.comment.range, notes: [] });
      }
    }
    memo.set(ins, config);
    return config;
  };
}

/** buildInput computes stages, global scope and the scope walk once for all rules. */
function buildInput(ast: Dockerfile, options: LintOptions): RuleInput {
  const expander = shellExpander(ast.escapeChar);
  const { metaArgs, stages } = splitStages(ast);
  const buildArgs = options.buildArgs ?? new Map<string, string>();
  const target = options.target ?? stages[stages.length - 1]?.name ?? "default";
  const global = globalScope(metaArgs, expander, buildArgs, options.platform ?? "linux/amd64", target);
  const steps = walkSteps({ stages, global, expander, buildArgs, baseImageEnv: options.baseImageEnv });
  return { ast, options, expander, global, stages, steps };
}

/**
 * parserFindings turns parser warnings that are lint rules (NoEmptyContinuation) into findings.
 * Deviation: the parser reports each blank continuation line; BuildKit one per instruction.
 */
function parserFindings(options: LintOptions): Finding[] {
  // The rule's own message is what `docker build --check` prints; the parser's text is longer.
  return (options.parserDiagnostics ?? [])
    .filter((d) => d.code === "NoEmptyContinuation")
    .map((d) => ({ rule: "NoEmptyContinuation", message: RULES.NoEmptyContinuation.message(), range: d.range, at: undefined }));
}

/** byPosition orders diagnostics by start offset, then rule name (Deviation: BuildKit keeps check order). */
function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.offset - b.range.start.offset || a.code.localeCompare(b.code);
}

/**
 * lint runs the build checks over `ast` and returns the findings as diagnostics (warnings, or
 * errors under `error=true`), plus an error diagnostic when the check options are invalid.
 * It never throws on user input.
 */
export function lint(ast: Dockerfile, options: LintOptions = {}): Diagnostic[] {
  const { config, diagnostics } = fileConfig(ast, options);
  const configFor = instructionConfigs(config, ast.file, diagnostics);
  const findings: Finding[] = parserFindings(options);
  const input = buildInput(ast, options);
  for (const rule of ALL_RULES) rule(input, (f) => findings.push(f));
  for (const f of findings) {
    const spec = RULES[f.rule];
    if (!ruleEnabled(configFor(f.at), spec)) continue;
    const severity = config.error ? "error" : spec.severity;
    const notes = [{ message: `see ${spec.url}` }];
    diagnostics.push({ code: f.rule, severity, message: f.message, file: ast.file, range: f.range, notes });
  }
  return diagnostics.sort(byPosition);
}
