/**
 * checkDockerfile: parse a Dockerfile, read its .dockerignore text, and run the build checks.
 * Pure (the caller reads the files); used by `tsbuild check` and available to programs.
 */
import type { Diagnostic } from "../core/diagnostic.js";
import { parseDockerignore } from "../core/dockerignore.js";
import { parse } from "../parser/index.js";
import { isRuleName, lint } from "../parser/lint/index.js";

/** CheckInput is a Dockerfile's text and, optionally, the ignore file that applies to it. */
export interface CheckInput {
  readonly source: string | Uint8Array;
  /** The Dockerfile path as the user named it (used in diagnostics). */
  readonly file: string;
  readonly dockerignore?: { readonly text: string; readonly file: string };
  readonly buildArgs?: ReadonlyMap<string, string>;
  /** BUILDKIT_DOCKERFILE_CHECK; defaults to the build arg of that name when given. */
  readonly checkOverride?: string;
}

/** CheckResult holds the decoded source and every diagnostic (syntax errors and lint findings), in order. */
export interface CheckResult {
  readonly file: string;
  readonly source: string;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * checkDockerfile returns syntax errors, .dockerignore errors and build-check findings. Lint
 * runs even when there are syntax errors, over whatever the parser could read.
 */
export function checkDockerfile(input: CheckInput): CheckResult {
  const { ast, source: text, diagnostics } = parse(input.source, { file: input.file });
  const ignore = input.dockerignore ? parseDockerignore(input.dockerignore.text, input.dockerignore.file) : undefined;
  const checkOverride = input.checkOverride ?? input.buildArgs?.get("BUILDKIT_DOCKERFILE_CHECK");
  const findings = lint(ast, {
    dockerignore: ignore?.matcher,
    buildArgs: input.buildArgs,
    checkOverride,
    parserDiagnostics: diagnostics,
  });
  const all = [...diagnostics.filter((d) => !isRuleName(d.code)), ...(ignore?.diagnostics ?? []), ...findings];
  all.sort((a, b) => (a.file === b.file ? a.range.start.offset - b.range.start.offset : a.file === input.file ? -1 : 1));
  return { file: input.file, source: text, diagnostics: all };
}
