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
export { RunStepError, BuildCanceledError, ProcessExitError, RegistryError } from "../core/errors.js";
export type { RunStepErrorInit, RegistryErrorInit } from "../core/errors.js";
export { EventChannel } from "../core/event-channel.js";
export type { BuildEvent, BuildEventListener, VertexEvent, VertexStatus, ProgressEvent, LogEvent, DiagnosticEvent } from "../core/events.js";
export { importImage, images, tag, removeImage, inspect, save, load, checkStore, storeUsage, pruneStore, unpack } from "./images.js";
export type { UnpackOptions, UnpackResult, StoreOptions, SaveFormat, ImageRow, RemoveResult, ExportPlan, LoadResult, FsckReport, DiskUsage, PruneOptions, PruneReport, ImportResult, ImportOptions } from "./images.js";
export { resolveStoreRoot } from "../store/root.js";
export { buildSpec } from "../runtime/spec.js";
export type { SpecInput, SpecMount, SpecLimits, SpecUser, NetworkMode, EtcFiles } from "../runtime/spec.js";
export { resolveUser } from "../runtime/user.js";
export { createOciDriver } from "../runtime/drivers/oci.js";
export { createBuiltinDriver } from "../runtime/drivers/builtin.js";
export type { Driver, RunIo, RunResult, BundleOptions, SignalSource } from "../runtime/driver.js";

export { build, createBuilder } from "./builder.js";
export type { Builder } from "./builder.js";
export type { BuildOptions, BuildRequest, BuilderOptions, BuildResult } from "./build.js";
export type { BuildHandle } from "./handle.js";
export { run, run as runContainer, commandLine } from "./run.js";
export type { RunOptions } from "./run.js";
