/**
 * The work of `tsbuild parse` (loaded on demand by parse.ts, so other commands do not load the parser).
 *
 * `tsbuild parse [FILE|-] [--format json|dump]`: parse a Dockerfile and print its AST with all
 * diagnostics (json), or BuildKit's AST dump (dump). The dump, like BuildKit's parser tests,
 * covers the syntax layer only, so instruction-level errors (an unknown flag, say) do not stop
 * it. Diagnostics go to stderr with code frames; any reported error makes the exit code 1.
 */
import { readFileSync } from "node:fs";
import { InputError, dump, formatDiagnostic, parse, parseRaw, type Diagnostic } from "../../api/index.js";
import type { Format } from "./parse.js";


/** readInput reads FILE, or standard input for `-`, as bytes. */
function readInput(file: string): Uint8Array {
  try {
    return readFileSync(file === "-" ? 0 : file);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InputError(`cannot read ${file === "-" ? "standard input" : file}: ${reason}`, { cause: err });
  }
}

/** report prints diagnostics with code frames to stderr and says whether any is an error. */
function report(diagnostics: readonly Diagnostic[], source: string): boolean {
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d, source)}\n`);
  return diagnostics.some((d) => d.severity === "error");
}

/** parseCommand runs the command and returns the exit code. */
export function parseCommand(file: string, format: Format): number {
  const name = file === "-" ? "<stdin>" : file;
  const bytes = readInput(file);
  if (format === "dump") {
    const raw = parseRaw(bytes, { file: name });
    const failed = report(raw.diagnostics, raw.source);
    if (!failed) process.stdout.write(`${dump(raw.raw)}\n`);
    return failed ? 1 : 0;
  }
  const { ast, diagnostics, source } = parse(bytes, { file: name });
  const failed = report(diagnostics, source);
  process.stdout.write(`${JSON.stringify({ ast, diagnostics }, null, 2)}\n`);
  return failed ? 1 : 0;
}

