/**
 * The part of tsbuild's public API that needs no Dockerfile parser, linter or builder: the store,
 * images, registries, containers, errors and diagnostics. src/api/index.ts re-exports all of it;
 * the CLI's commands import it from here so that only build, parse and check load the parser.
 */
export { formatDiagnostic, codeFrame, locationOf } from "../core/diagnostic.js";
export type { Diagnostic, SourceRange, Position, Severity, Note } from "../core/diagnostic.js";
export { TsbuildError, DockerfileSyntaxError, InputError } from "../core/errors.js";
export { chooseDockerignore, parseDockerignore, createPatternMatcher } from "../core/dockerignore.js";
export type { IgnoreMatcher, DockerignoreResult } from "../core/dockerignore.js";
export { RunStepError, BuildCanceledError, ProcessExitError } from "../core/errors.js";
export type { RunStepErrorInit } from "../core/errors.js";
export { EventChannel } from "../core/event-channel.js";
export type { BuildEvent, BuildEventListener, VertexEvent, VertexStatus, ProgressEvent, LogEvent, DiagnosticEvent } from "../core/events.js";
export { importImage, pack, images, tag, removeImage, inspect, save, load, checkStore, storeUsage, pruneStore, unpack, familiarName } from "./images.js";
export type { PackOptions, PackResult, UnpackOptions, UnpackResult, StoreOptions, SaveFormat, ImageRow, RemoveResult, ExportPlan, LoadResult, FsckReport, DiskUsage, PruneOptions, PruneReport, ImportResult, ImportOptions, StorePruneReport } from "./images.js";
export { resolveStoreRoot } from "../store/root.js";
export { buildSpec } from "../runtime/spec.js";
export type { SpecInput, SpecMount, SpecLimits, SpecUser, NetworkMode, EtcFiles } from "../runtime/spec.js";
export { resolveUser } from "../runtime/user.js";
export { createOciDriver } from "../runtime/drivers/oci.js";
export { createBuiltinDriver } from "../runtime/drivers/builtin.js";
export type { Driver, RunIo, RunResult, BundleOptions, SignalSource, ExecOptions } from "../runtime/driver.js";

export type { BuildOptions, BuildRequest, BuilderOptions, BuildResult } from "./build.js";
export type { BuildHandle } from "./handle.js";
export { parseOutput } from "./build-output.js";
export { parseCacheFrom, parseCacheTo, type CacheExportSpec, type CacheImportSpec } from "./build-cache.js";
export type { BuildOutput } from "./build-output.js";
export { run, run as runContainer, commandLine } from "./run.js";
export type { RunOptions } from "./run.js";
export { pull, push, packPush, login, logout } from "./registry.js";
export type { LoginOptions } from "./registry.js";
export type { PullOptions, PullResult } from "../registry/pull.js";
export type { PushOptions, PushResult } from "../registry/push.js";
export { RegistryError } from "../registry/errors.js";

export { createContainer } from "./container-create.js";
export type { ContainerOptions } from "./container-create.js";
export { superviseContainer, startDetached } from "./container-supervise.js";
export type { SuperviseOptions, DetachOptions } from "./container-supervise.js";
export { listContainers, killContainer, stopContainer, removeContainer, execInContainer } from "./container-ops.js";
export type { ContainerRow, ExecRequest } from "./container-ops.js";
export { containerLogs } from "./container-logs.js";
export type { LogsOptions } from "./container-logs.js";
export { commitContainer } from "./container-commit.js";
export type { CommitOptions } from "./container-commit.js";
export { normalizeSignal, CONTROL_SIGNAL } from "../runtime/container/control.js";
export type { ContainerState } from "../runtime/container/state.js";
