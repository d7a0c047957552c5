/**
 * TtyState is what the live terminal view shows, folded from the event stream by `applyEvent`
 * (pure, no clock, no React): the steps in first-seen order, the finished ones in the order they
 * finished (they move into ink's `<Static>`), the last output lines of each running step, byte
 * transfers, and the warnings. The view reads it; only the renderer mutates it.
 */
import type { BuildEvent, Diagnostic, VertexStatus } from "../../api/essentials.js";

/** TAIL_LINES is how many output lines of a running step the view shows (BuildKit shows 6). */
export const TAIL_LINES = 6;

/** StepView is one vertex as the view shows it. */
export interface StepView {
  readonly id: string;
  readonly name: string;
  status: VertexStatus;
  started: number | undefined;
  completed: number | undefined;
  error: string | undefined;
  /** The last TAIL_LINES complete output lines, oldest first, plus the unfinished last line. */
  tail: string[];
  partial: string;
  transfers: Map<string, { label: string; current: number; total: number | undefined; done: boolean }>;
}

/** TtyState is the whole view model; `finished` only grows (ink's Static renders each item once). */
export interface TtyState {
  readonly steps: Map<string, StepView>;
  readonly finished: StepView[];
  readonly warnings: Diagnostic[];
  queued: number;
}

/** createTtyState returns an empty view model. */
export function createTtyState(): TtyState {
  return { steps: new Map(), finished: [], warnings: [], queued: 0 };
}

function stepOf(s: TtyState, id: string, name: string): StepView {
  let step = s.steps.get(id);
  if (!step) {
    step = { id, name, status: "queued", started: undefined, completed: undefined, error: undefined, tail: [], partial: "", transfers: new Map() };
    s.steps.set(id, step);
  }
  return step;
}

/** applyEvent folds one event into `s`. */
export function applyEvent(s: TtyState, e: BuildEvent): void {
  if (e.type === "diagnostic") {
    s.warnings.push(e.diagnostic);
    return;
  }
  if (e.type === "log") return appendLog(s.steps.get(e.vertex), e.data);
  if (e.type === "progress") {
    const step = stepOf(s, e.vertex ?? `progress:${e.id}`, e.label);
    if (step.status === "queued" && e.vertex === undefined) step.status = "running";
    step.started ??= e.time;
    step.transfers.set(e.id, { label: e.label, current: e.current, total: e.total, done: e.completed !== undefined });
    if (e.vertex === undefined && e.completed !== undefined) finish(s, step, "done", e.completed);
    return;
  }
  const step = stepOf(s, e.vertex, e.name);
  if (e.status === "queued") s.queued++;
  else if (e.status === "running") {
    step.status = "running";
    step.started = e.started;
  } else {
    step.started ??= e.started;
    step.error = e.status === "error" ? e.error : undefined;
    finish(s, step, e.status, e.completed);
  }
}

function finish(s: TtyState, step: StepView, status: VertexStatus, completed: number): void {
  if (step.partial !== "") appendLog(step, "\n");
  step.status = status;
  step.completed = completed;
  s.finished.push(step);
}

function appendLog(step: StepView | undefined, data: string): void {
  if (!step) return;
  const lines = (step.partial + data).split("\n");
  step.partial = lines.pop() ?? "";
  if (lines.length === 0) return;
  step.tail.push(...lines.map(visible));
  if (step.tail.length > TAIL_LINES) step.tail.splice(0, step.tail.length - TAIL_LINES);
}

/** visible keeps what a terminal would show of a line: the text after its last carriage return, without control characters. */
export function visible(line: string): string {
  const l = line.endsWith("\r") ? line.slice(0, -1) : line;
  return l.slice(l.lastIndexOf("\r") + 1).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "");
}

/** counts returns how many steps finished and how many the build has, for the `(3/5)` header. */
export function counts(s: TtyState): { done: number; total: number } {
  return { done: s.finished.length, total: Math.max(s.queued, s.steps.size) };
}
