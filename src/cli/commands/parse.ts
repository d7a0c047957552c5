/**
 * `tsbuild parse [FILE|-] [--format json|dump]`: parse a Dockerfile and print its syntax tree
 * (json) or BuildKit's AST dump (dump). Diagnostics go to stderr with code frames; any error
 * makes the exit code 1.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { InputError, dump, formatDiagnostic, parseRaw } from "../../api/index.js";

const FORMATS = ["json", "dump"] as const;
type Format = (typeof FORMATS)[number];

/** readInput reads FILE, or standard input for `-`, as bytes. */
function readInput(file: string): Uint8Array {
  try {
    return readFileSync(file === "-" ? 0 : file);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InputError(`cannot read ${file === "-" ? "standard input" : file}: ${reason}`, { cause: err });
  }
}

/** parseCommand runs the command and returns the exit code. */
export function parseCommand(file: string, format: Format): number {
  const name = file === "-" ? "<stdin>" : file;
  const result = parseRaw(readInput(file), { file: name });
  for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d, result.source)}\n`);
  const failed = result.diagnostics.some((d) => d.severity === "error");
  if (format === "dump") {
    if (!failed) process.stdout.write(`${dump(result.raw)}\n`);
  } else {
    const { file: f, directives, escapeChar, raw, comments, diagnostics } = result;
    process.stdout.write(`${JSON.stringify({ file: f, directives, escapeChar, instructions: raw, comments, diagnostics }, null, 2)}\n`);
  }
  return failed ? 1 : 0;
}

/** registerParse adds the `parse` subcommand. */
export function registerParse(program: Command): void {
  program
    .command("parse")
    .description("parse a Dockerfile and print its syntax tree (json) or BuildKit's AST dump (dump)")
    .argument("[file]", "Dockerfile to read, or - for standard input", "Dockerfile")
    .option("--format <format>", `output format: ${FORMATS.join(" or ")}`, "json")
    .action((file: string, opts: { format: string }) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new InputError(`unknown --format ${JSON.stringify(opts.format)}: use ${FORMATS.join(" or ")}`);
      }
      process.exitCode = parseCommand(file, opts.format as Format);
    });
}
