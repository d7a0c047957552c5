/**
 * tsbuild's public API. Everything a program (or tsbuild's own CLI) may use is exported here.
 */
export { formatDiagnostic, codeFrame, locationOf } from "../core/diagnostic.js";
export type { Diagnostic, SourceRange, Position, Severity, Note } from "../core/diagnostic.js";
export { TsbuildError, DockerfileSyntaxError, InputError } from "../core/errors.js";
export { parse, parseRaw, dump, goQuote, MAX_LINE_BYTES } from "../parser/index.js";
export type { ParseResult, ParseRawResult, ParseRawOptions, RawInstruction } from "../parser/index.js";
