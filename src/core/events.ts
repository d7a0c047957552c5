/**
 * BuildEvent is the one progress stream of a build (STYLE #16): the executor, the registry client
 * and the front end emit it; the tty, plain, json and quiet renderers and the API consume it.
 * Every event is plain JSON (strings, numbers, no bytes, no class instances), so the json
 * progress mode prints `JSON.stringify(event)` once per line. Times are milliseconds since the
 * Unix epoch, read by the executor; the planner has no clock.
 */
import type { Digest } from "./digest.js";
import type { Diagnostic, SourceRange } from "./diagnostic.js";

/** VertexStatus is where a vertex is in its life: `queued`, then `running`, then one terminal state. */
export type VertexStatus = "queued" | "running" | "cached" | "done" | "error" | "canceled";

/** VertexInfo names a vertex the way renderers show it; none of it is part of any digest or key. */
interface VertexInfo {
  readonly type: "vertex";
  /** The vertex digest from the plan. */
  readonly vertex: Digest;
  /** The progress label, e.g. `[build 2/4] RUN make`. */
  readonly name: string;
  /** The stage name (or `stage-N`). */
  readonly stage: string;
  /** Where in the Dockerfile the vertex comes from, when it comes from an instruction. */
  readonly range?: SourceRange;
}

/** VertexQueued says the build needs the vertex; every vertex of a build is queued before anything runs. */
export interface VertexQueued extends VertexInfo {
  readonly status: "queued";
  readonly time: number;
}

/** VertexRunning says the vertex's op holds a job slot and has started. */
export interface VertexRunning extends VertexInfo {
  readonly status: "running";
  readonly started: number;
}

/** VertexCached says the result came from the build cache; the op never ran. */
export interface VertexCached extends VertexInfo {
  readonly status: "cached";
  readonly started: number;
  readonly completed: number;
}

/** VertexDone says the op ran and succeeded. */
export interface VertexDone extends VertexInfo {
  readonly status: "done";
  readonly started: number;
  readonly completed: number;
}

/** VertexFailed says the vertex failed; `error` is the message the renderers print after `ERROR`. */
export interface VertexFailed extends VertexInfo {
  readonly status: "error";
  /** Absent when the vertex failed before its op started (e.g. computing its cache key). */
  readonly started?: number;
  readonly completed: number;
  readonly error: string;
}

/** VertexCanceled says the vertex was stopped or never started because the build was aborted or failed elsewhere. */
export interface VertexCanceled extends VertexInfo {
  readonly status: "canceled";
  readonly started?: number;
  readonly completed: number;
}

/** VertexEvent is one step of a vertex's life; see VertexStatus for the order. */
export type VertexEvent = VertexQueued | VertexRunning | VertexCached | VertexDone | VertexFailed | VertexCanceled;

/**
 * ProgressEvent reports bytes moved by a long transfer (pull, push, layer export, context
 * transfer). `id` is unique within its vertex (or the build when `vertex` is absent); `total` is
 * absent while unknown; `completed` is set on the last event of that id.
 */
export interface ProgressEvent {
  readonly type: "progress";
  readonly id: string;
  readonly vertex?: Digest;
  readonly label: string;
  readonly current: number;
  readonly total?: number;
  readonly time: number;
  readonly completed?: number;
}

/**
 * LogEvent is a chunk of a vertex's output. `data` is UTF-8 decoded text; a multi-byte character
 * split across chunks arrives whole in the later chunk. Chunks are not split at line ends.
 */
export interface LogEvent {
  readonly type: "log";
  readonly vertex: Digest;
  readonly stream: "stdout" | "stderr";
  readonly data: string;
  readonly time: number;
}

/** DiagnosticEvent carries a warning or lint finding with its Dockerfile location, optionally tied to a vertex. */
export interface DiagnosticEvent {
  readonly type: "diagnostic";
  readonly diagnostic: Diagnostic;
  readonly vertex?: Digest;
  readonly time: number;
}

/** BuildEvent is one event of a build's progress stream; see the module comment. */
export type BuildEvent = VertexEvent | ProgressEvent | LogEvent | DiagnosticEvent;

/** BuildEventListener receives events in emission order; it must not throw (renderers catch their own errors). */
export type BuildEventListener = (event: BuildEvent) => void;

/** isTerminalStatus reports whether a vertex in this status will emit no further vertex events. */
export function isTerminalStatus(status: VertexStatus): boolean {
  return status !== "queued" && status !== "running";
}
