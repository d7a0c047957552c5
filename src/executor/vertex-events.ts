/**
 * VertexEvents emits a build's events and keeps each vertex's state machine honest: `queued`
 * first, `running` at most once, then exactly one terminal event (`cached`, `done`, `error`,
 * `canceled`); later reports for a finished vertex (a log line racing an abort) are dropped.
 */
import type { Digest } from "../core/digest.js";
import type { BuildEvent, BuildEventListener, VertexStatus } from "../core/events.js";
import { isTerminalStatus } from "../core/events.js";
import type { Vertex } from "../planner/plan.js";

interface State {
  status: VertexStatus;
  started: number | undefined;
}

type Terminal = "cached" | "done" | "error" | "canceled";

/** VertexEvents emits one build's events in a valid order per vertex; see the module comment. */
export class VertexEvents {
  private readonly states = new Map<Digest, State>();

  constructor(
    private readonly now: () => number,
    private readonly listener: BuildEventListener | undefined,
  ) {}

  /** emit passes a non-vertex event on, unless it belongs to a vertex that already finished. */
  emit(event: BuildEvent): void {
    const vertex = "vertex" in event ? event.vertex : undefined;
    if (event.type !== "vertex" && vertex !== undefined && this.finished(vertex)) return;
    this.listener?.(event);
  }

  queued(v: Vertex): void {
    this.states.set(v.digest, { status: "queued", started: undefined });
    this.emit({ type: "vertex", status: "queued", ...info(v), time: this.now() });
  }

  running(v: Vertex, started: number): void {
    const s = this.states.get(v.digest);
    if (!s || s.status !== "queued") return;
    s.status = "running";
    s.started = started;
    this.emit({ type: "vertex", status: "running", ...info(v), started });
  }

  /** terminal ends a vertex; `error` carries the failure message for status "error". */
  terminal(v: Vertex, status: Terminal, error?: string): void {
    const s = this.states.get(v.digest);
    if (!s || isTerminalStatus(s.status)) return;
    const completed = this.now();
    const started = s.started ?? (status === "cached" ? completed : undefined);
    s.status = status;
    const base = { type: "vertex" as const, ...info(v), completed };
    if (status === "error") this.emit({ ...base, status, error: error ?? "failed", ...(started === undefined ? {} : { started }) });
    else if (status === "canceled") this.emit({ ...base, status, ...(started === undefined ? {} : { started }) });
    else this.emit({ ...base, status, started: started ?? completed });
  }

  private finished(vertex: Digest): boolean {
    const s = this.states.get(vertex);
    return s !== undefined && isTerminalStatus(s.status);
  }
}

/** info is the display part of a vertex event; `range` is omitted when the vertex has none. */
function info(v: Vertex): { vertex: Digest; name: string; stage: string; range?: Vertex["range"] } {
  return { vertex: v.digest, name: v.name, stage: v.stage, ...(v.range ? { range: v.range } : {}) };
}
