/**
 * tsbuild's public API. Everything a program (or tsbuild's own CLI) may use is exported here.
 */
export { formatDiagnostic, codeFrame, locationOf } from "../core/diagnostic.js";
export type { Diagnostic, SourceRange, Position, Severity, Note } from "../core/diagnostic.js";
export { TsbuildError, DockerfileSyntaxError, InputError } from "../core/errors.js";
export { parse, parseRaw, dump, goQuote, MAX_LINE_BYTES } from "../parser/index.js";
export type { ParseResult, ParseRawResult, ParseRawOptions, RawInstruction } from "../parser/index.js";
export { checkDockerfile } from "./check.js";
export type { CheckInput, CheckResult } from "./check.js";
export { chooseDockerignore, parseDockerignore, createPatternMatcher } from "../core/dockerignore.js";
export type { IgnoreMatcher, DockerignoreResult } from "../core/dockerignore.js";
export { lint, RULES, RULE_NAMES } from "../parser/lint/index.js";
export type { LintOptions, RuleName } from "../parser/lint/index.js";
export { importImage, images, tag, removeImage, inspect, save, load, checkStore, storeUsage, pruneStore, unpack } from "./images.js";
export type { UnpackOptions, UnpackResult, StoreOptions, SaveFormat, ImageRow, RemoveResult, ExportPlan, LoadResult, FsckReport, DiskUsage, PruneOptions, PruneReport, ImportResult, ImportOptions } from "./images.js";
export { resolveStoreRoot } from "../store/root.js";
