/**
 * Shared shapes of the linter: what a rule sees (RuleInput) and what it reports (Finding).
 */
import type { Diagnostic, SourceRange } from "../../core/diagnostic.js";
import type { IgnoreMatcher } from "../../core/dockerignore.js";
import type { Dockerfile, Instruction } from "../ast.js";
import type { RuleName } from "./catalog.js";
import type { Expander, GlobalScope, StageInfo, Step } from "./scope.js";

/** LintOptions are the inputs besides the AST; all optional. */
export interface LintOptions {
  /** The build context's ignore matcher; enables CopyIgnoredFile. */
  readonly dockerignore?: IgnoreMatcher;
  /** `--build-arg` values: they replace ARG defaults and count as declared. */
  readonly buildArgs?: ReadonlyMap<string, string>;
  /** The BUILDKIT_DOCKERFILE_CHECK value; replaces the file's `# check=` directive. */
  readonly checkOverride?: string;
  /** Target platform used for the automatic platform ARGs (default `linux/amd64`). */
  readonly platform?: string;
  /** The build target stage name, for TARGETSTAGE (default: the last stage's name or `default`). */
  readonly target?: string;
  /**
   * Environment variable names a base image defines, when the caller has resolved it. Without
   * it, only PATH is assumed to come from a base image.
   */
  readonly baseImageEnv?: (image: string) => readonly string[] | undefined;
  /**
   * The parser's diagnostics. Those whose code is a lint rule (NoEmptyContinuation) are
   * subject to the check options and returned by lint; the caller should not print them itself.
   */
  readonly parserDiagnostics?: readonly Diagnostic[];
}

/** Finding is one rule violation before check options are applied. */
export interface Finding {
  readonly rule: RuleName;
  readonly message: string;
  readonly range: SourceRange;
  /** The instruction whose `# check=` comment applies, or undefined for file-wide checks. */
  readonly at: Instruction | undefined;
}

/** RuleInput is everything a rule may read; computed once per lint run. */
export interface RuleInput {
  readonly ast: Dockerfile;
  readonly options: LintOptions;
  readonly expander: Expander;
  readonly global: GlobalScope;
  readonly stages: readonly StageInfo[];
  /** Every instruction of every stage with the scope in force before it, in file order. */
  readonly steps: readonly Step[];
}

/** Rule is one check (or a small family of checks); it reports through `report`. */
export type Rule = (input: RuleInput, report: (finding: Finding) => void) => void;
