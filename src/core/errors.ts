import type { Diagnostic } from "./diagnostic.js";

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
