/**
 * `tsbuild check [FILE|-] [--format text|json] [--build-arg K=V]...`: run the build checks on a
 * Dockerfile (default ./Dockerfile; `-` reads standard input) with the .dockerignore that applies to it
 * (`<FILE>.dockerignore`, else `.dockerignore` next to it). Prints every syntax error and
 * finding; exit code 1 when any is an error, 0 for warnings only or a clean file.
 */
import type { Command } from "commander";
import { InputError } from "../../api/essentials.js";

/** FORMATS are the --format values. */
export const FORMATS = ["text", "json"] as const;
export type Format = (typeof FORMATS)[number];

/** registerCheck adds the `check` subcommand. */
export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("run the Dockerfile build checks (BuildKit's lint rules) and report syntax errors")
    .argument("[file]", "Dockerfile to check, or - for standard input", "Dockerfile")
    .option("--format <format>", `output format: ${FORMATS.join(" or ")}`, "text")
    .option("--build-arg <KEY=VALUE>", "build argument, as for a build (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--list-rules", "print every check with its description, then exit")
    .addHelpText("after", "\nExamples:\n  tsbuild check\n  tsbuild check --format json docker/Dockerfile\n  tsbuild check --build-arg BASE=alpine - < Dockerfile\n  tsbuild check --list-rules")
    .action(async (file: string, opts: { format: string; buildArg: string[]; listRules?: boolean }) => {
      const { checkCommand, listRules } = await import("./check-run.js");
      if (opts.listRules) {
        process.stdout.write(listRules() + "\n");
        return;
      }
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new InputError(`unknown --format ${JSON.stringify(opts.format)}: use ${FORMATS.join(" or ")}`);
      }
      process.exitCode = checkCommand(file, opts.format as Format, opts.buildArg);
    });
}
