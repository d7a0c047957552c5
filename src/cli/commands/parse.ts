/**
 * `tsbuild parse [FILE|-] [--format json|dump]`: parse a Dockerfile and print its AST with all
 * diagnostics (json), or BuildKit's AST dump (dump). The dump, like BuildKit's parser tests,
 * covers the syntax layer only, so instruction-level errors (an unknown flag, say) do not stop
 * it. Diagnostics go to stderr with code frames; any reported error makes the exit code 1.
 */
import type { Command } from "commander";
import { InputError } from "../../api/essentials.js";

/** FORMATS are the --format values. */
export const FORMATS = ["json", "dump"] as const;
export type Format = (typeof FORMATS)[number];

/** registerParse adds the `parse` subcommand. */
export function registerParse(program: Command): void {
  program
    .command("parse")
    .description("parse a Dockerfile and print its syntax tree (json) or BuildKit's AST dump (dump)")
    .argument("[file]", "Dockerfile to read, or - for standard input", "Dockerfile")
    .option("--format <format>", `output format: ${FORMATS.join(" or ")}`, "json")
    .addHelpText("after", "\nExamples:\n  tsbuild parse\n  tsbuild parse --format dump docker/Dockerfile\n  cat Dockerfile | tsbuild parse -")
    .action(async (file: string, opts: { format: string }) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new InputError(`unknown --format ${JSON.stringify(opts.format)}: use ${FORMATS.join(" or ")}`);
      }
      const { parseCommand } = await import("./parse-run.js");
      process.exitCode = parseCommand(file, opts.format as Format);
    });
}
