import type { Diagnostic, SourceRange } from "./diagnostic.js";

/** TsbuildError is the base of every error tsbuild reports on purpose; `code` is stable for tools. */
export class TsbuildError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** DockerfileSyntaxError carries every diagnostic of a Dockerfile that failed to parse or validate. */
export class DockerfileSyntaxError extends TsbuildError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    const first = diagnostics.find((d) => d.severity === "error") ?? diagnostics[0];
    const where = first ? `${first.file}:${first.range.start.line}:${first.range.start.column}: ${first.message}` : "invalid Dockerfile";
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
    super("DockerfileSyntax", where + more);
    this.diagnostics = diagnostics;
  }
}

/** InputError is a problem with what the user gave (a file that cannot be read, a bad option). */
export class InputError extends TsbuildError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("Input", message, options);
  }
}

/**
 * ProcessExitError says a step's process ended with a non-zero exit code; the message is the one
 * BuildKit prints: `process "<argv>" did not complete successfully: exit code: N`.
 */
export class ProcessExitError extends TsbuildError {
  readonly exitCode: number;
  readonly argv: readonly string[];
  constructor(argv: readonly string[], exitCode: number) {
    super("ProcessExit", `process ${JSON.stringify(argv.join(" "))} did not complete successfully: exit code: ${exitCode}`);
    this.exitCode = exitCode;
    this.argv = argv;
  }
}

/** RunStepErrorInit is what a failed build step knows about itself. */
export interface RunStepErrorInit {
  /** The step's progress label, e.g. `[build 2/4] RUN make`. */
  readonly step: string;
  /** The vertex digest of the step. */
  readonly vertex: string;
  /** The Dockerfile path as the user named it, when known. */
  readonly file: string | undefined;
  readonly range: SourceRange | undefined;
  /** The exit code when the step's process exited non-zero. */
  readonly exitCode: number | undefined;
  /** The last lines of the step's combined output, oldest first. */
  readonly lastLines: readonly string[];
  readonly cause: unknown;
}

/**
 * RunStepError says one build step failed: which step (label and vertex digest), where it is in
 * the Dockerfile, its exit code if a process exited non-zero, and the last lines it printed.
 * `cause` is the op's own error.
 */
export class RunStepError extends TsbuildError {
  readonly step: string;
  readonly vertex: string;
  readonly file: string | undefined;
  readonly range: SourceRange | undefined;
  readonly exitCode: number | undefined;
  readonly lastLines: readonly string[];
  constructor(init: RunStepErrorInit) {
    const reason = init.cause instanceof Error ? init.cause.message : String(init.cause);
    const where = init.file && init.range ? ` (${init.file}:${init.range.start.line})` : "";
    super("RunStep", `${init.step}${where}: ${reason}`, { cause: init.cause });
    this.step = init.step;
    this.vertex = init.vertex;
    this.file = init.file;
    this.range = init.range;
    this.exitCode = init.exitCode;
    this.lastLines = init.lastLines;
  }
}

/** BuildCanceledError says a build stopped because its AbortSignal fired; every op it started had settled. */
export class BuildCanceledError extends TsbuildError {
  constructor(reason?: unknown) {
    const why = reason instanceof Error ? `: ${reason.message}` : typeof reason === "string" ? `: ${reason}` : "";
    super("BuildCanceled", `build canceled${why}`, { cause: reason });
  }
}
