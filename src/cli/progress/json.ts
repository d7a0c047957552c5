/**
 * The json progress mode: one BuildEvent per line (NDJSON), for tools. The build's end is one
 * more line: `{"type":"result", ...BuildResult}` or `{"type":"failure", "error": {name, code,
 * message, ...}}` with the typed error's fields (diagnostics, step, exit code, last lines).
 */
import { TsbuildError } from "../../api/essentials.js";
import type { BuildOutcome, ProgressRenderer } from "./format.js";

/** JsonRenderer writes each event as one JSON line to `out`. */
export class JsonRenderer implements ProgressRenderer {
  constructor(private readonly out: (line: string) => void) {}

  /** onEvent writes one event; bound so it can be passed as a listener. */
  readonly onEvent = (e: unknown): void => this.out(JSON.stringify(e));

  /** finish writes the result or the failure as the last line. */
  finish(outcome: BuildOutcome): void {
    if (outcome.ok) this.out(JSON.stringify({ type: "result", ...outcome.result }));
    else this.out(JSON.stringify({ type: "failure", error: errorJson(outcome.error) }));
  }
}

/** errorJson keeps an error's own enumerable fields (a RunStepError's step, exitCode, lastLines...) next to its name and message. */
function errorJson(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const own = Object.fromEntries(Object.entries(err).filter(([k]) => k !== "cause"));
  return { name: err.name, ...(err instanceof TsbuildError ? { code: err.code } : {}), message: err.message, ...own };
}
