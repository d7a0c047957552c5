/**
 * The plain progress renderer: stable, line-oriented text for CI logs in BuildKit's manner
 * (`#N [stage i/n] RUN ...`, output lines prefixed with the step number and elapsed seconds,
 * `#N DONE 0.4s`, `#N CACHED`, `#N ERROR: ...`). No cursor movement, no escape sequences.
 */
import type { BuildEvent } from "../../api/index.js";

/** createPlainRenderer returns an event listener that writes to `out`. */
export function createPlainRenderer(out: (line: string) => void): (e: BuildEvent) => void {
  const numbers = new Map<string, number>();
  const started = new Map<string, number>();
  const partial = new Map<string, string>();
  const num = (vertex: string, name: string): number => {
    let n = numbers.get(vertex);
    if (n === undefined) {
      n = numbers.size + 1;
      numbers.set(vertex, n);
      out(`#${n} ${name}`);
    }
    return n;
  };
  const secs = (ms: number) => (ms / 1000).toFixed(1);
  return (e) => {
    if (e.type === "vertex") {
      if (e.status === "queued") return;
      const n = num(e.vertex, e.name);
      if (e.status === "running") started.set(e.vertex, e.started);
      else if (e.status === "cached") out(`#${n} CACHED`);
      else if (e.status === "done") out(`#${n} DONE ${secs(e.completed - e.started)}s`);
      else if (e.status === "error") out(`#${n} ERROR: ${e.error}`);
      else if (e.status === "canceled") out(`#${n} CANCELED`);
    } else if (e.type === "log") {
      const n = numbers.get(e.vertex);
      if (n === undefined) return;
      const text = (partial.get(e.vertex) ?? "") + e.data;
      const lines = text.split("\n");
      partial.set(e.vertex, lines.pop() ?? "");
      const t = secs(e.time - (started.get(e.vertex) ?? e.time));
      for (const l of lines) out(`#${n} ${t} ${l}`);
    } else if (e.type === "diagnostic") {
      out(`WARNING: ${e.diagnostic.message}`);
    }
  };
}
