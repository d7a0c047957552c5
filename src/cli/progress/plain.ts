/**
 * The plain progress renderer: stable, line-oriented text for CI logs in BuildKit's manner.
 * A step is announced as `#N [stage i/n] RUN ...`; its output lines follow as `#N 0.211 text`
 * (seconds since the step started); it ends with `#N DONE 0.4s`, `#N CACHED`, `#N ERROR: ...` or
 * `#N CANCELED`. When output moves away from an unfinished step the renderer prints `#N ...` and
 * repeats the step's header when it comes back. Byte progress prints as `#N label: 1.2MB / 4.5MB`
 * at most once per 5 % or 5 s. Warnings and the summary come at the end. No cursor movement, no
 * escape sequences: control characters in step output are replaced.
 */
import type { BuildEvent, Diagnostic, LogEvent, ProgressEvent, VertexEvent } from "../../api/essentials.js";
import { bytes, seconds, type BuildOutcome, type ProgressRenderer } from "./format.js";
import { failureLines, summaryLines, warningLines } from "./summary.js";

interface Step {
  readonly n: number;
  readonly name: string;
  started: number | undefined;
  finished: boolean;
  partial: string;
  partialTime: number;
}

/** Byte progress is re-printed after this fraction of its total changed... */
const PROGRESS_STEP = 0.05;
/** ...or after this many milliseconds, whichever comes first (BuildKit's plain printer does the same). */
const PROGRESS_INTERVAL_MS = 5000;

/** CONTROL matches C0 controls except tab, DEL and C1 controls: a step's output must not move the cursor in a CI log. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** PlainRenderer turns events into lines passed to `out`, one call per line, without the newline. */
export class PlainRenderer implements ProgressRenderer {
  private readonly steps = new Map<string, Step>();
  private readonly progress = new Map<string, { current: number; time: number }>();
  private readonly warnings: Diagnostic[] = [];
  private current: Step | undefined;

  constructor(private readonly out: (line: string) => void) {}

  /** onEvent renders one event; bound so it can be passed as a listener. */
  readonly onEvent = (e: BuildEvent): void => {
    if (e.type === "vertex") this.vertex(e);
    else if (e.type === "log") this.log(e);
    else if (e.type === "progress") this.bytes(e);
    else this.warnings.push(e.diagnostic);
  };

  /** finish flushes unfinished output lines, then prints the warnings and the summary or the failure report. */
  finish(outcome: BuildOutcome): void {
    for (const s of this.steps.values()) this.flushPartial(s);
    for (const l of warningLines(this.warnings)) this.out(l);
    const lines = outcome.ok ? summaryLines(outcome.result) : failureLines(outcome.error, outcome.dockerfileText);
    for (const l of lines) this.out(l);
  }

  private vertex(e: VertexEvent): void {
    if (e.status === "queued") return;
    const s = this.step(e.vertex, e.name);
    if (e.status === "running") {
      s.started = e.started;
      return this.focus(s);
    }
    this.flushPartial(s);
    this.focus(s);
    s.finished = true;
    if (e.status === "cached") this.out(`#${s.n} CACHED`);
    else if (e.status === "done") this.out(`#${s.n} DONE ${seconds(e.completed - e.started)}s`);
    else if (e.status === "error") this.out(`#${s.n} ERROR: ${clean(e.error)}`);
    else this.out(`#${s.n} CANCELED`);
  }

  private log(e: LogEvent): void {
    const s = this.steps.get(e.vertex);
    if (!s) return;
    const lines = (s.partial + e.data).split("\n");
    s.partial = lines.pop() ?? "";
    s.partialTime = e.time;
    if (lines.length === 0) return;
    this.focus(s);
    for (const l of lines) this.line(s, l, e.time);
  }

  private line(s: Step, text: string, time: number): void {
    this.out(`#${s.n} ${seconds(time - (s.started ?? time), 3)} ${clean(text)}`);
  }

  private bytes(e: ProgressEvent): void {
    const s = this.step(e.vertex ?? `progress:${e.id}`, e.label);
    const key = `${e.vertex ?? ""} ${e.id}`;
    const last = this.progress.get(key);
    const step = e.total === undefined ? Infinity : e.total * PROGRESS_STEP;
    const due = !last || e.completed !== undefined || e.current - last.current >= step || e.time - last.time >= PROGRESS_INTERVAL_MS;
    if (!due) return;
    this.progress.set(key, { current: e.current, time: e.time });
    this.focus(s);
    const amount = e.total === undefined ? bytes(e.current) : `${bytes(e.current)} / ${bytes(e.total)}`;
    this.out(`#${s.n} ${clean(e.label)}: ${amount}${e.completed !== undefined ? " done" : ""}`);
    // A transfer of the build itself (no vertex) is its own step, finished with its last event.
    if (e.vertex === undefined && e.completed !== undefined) s.finished = true;
  }

  /** step numbers a vertex the first time it shows up; the number is stable for the whole build. */
  private step(key: string, name: string): Step {
    let s = this.steps.get(key);
    if (!s) {
      s = { n: this.steps.size + 1, name, started: undefined, finished: false, partial: "", partialTime: 0 };
      this.steps.set(key, s);
    }
    return s;
  }

  /** focus makes `s` the step being printed: it marks the unfinished one left behind and (re)prints `s`'s header. */
  private focus(s: Step): void {
    if (this.current === s) return;
    if (this.current && !this.current.finished) this.out(`#${this.current.n} ...`);
    this.current = s;
    this.out(`#${s.n} ${clean(s.name)}`);
  }

  private flushPartial(s: Step): void {
    if (s.partial === "") return;
    const p = s.partial;
    s.partial = "";
    this.focus(s);
    this.line(s, p, s.partialTime);
  }
}

/**
 * clean makes one output line safe for a log: a carriage return redraws the line on a terminal,
 * so only the text after the last one is kept (a trailing one, as in CRLF, is dropped); other
 * control characters (escape sequences, bells) become `?`.
 */
function clean(text: string): string {
  const line = text.endsWith("\r") ? text.slice(0, -1) : text;
  return line.slice(line.lastIndexOf("\r") + 1).replace(CONTROL, "?");
}
