import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands/index.js";
import { splitRunArgv } from "./commands/run.js";

/** version reads tsbuild's version from its package.json (dist/cli/ -> ../../package.json). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** makeProgram builds the commander program with every subcommand registered. */
export function makeProgram(): Command {
  const program = new Command("tsbuild")
    .description("Build container images from Dockerfiles without a daemon, and run them.")
    .version(version(), "-V, --version", "print the tsbuild version")
    .option("--root <dir>", "store directory (default: $TSBUILD_ROOT, /var/lib/tsbuild for root, else $XDG_DATA_HOME/tsbuild)")
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText("after", "\nExamples:\n  tsbuild -t app:dev .               build ./Dockerfile and name the image\n  tsbuild run --rm app:dev           run the image's command\n  tsbuild images                     list stored images\n  tsbuild save app:dev -o app.tar    export for docker load or a registry tool\n  tsbuild help build                 every option of a command");
  registerCommands(program);
  return program;
}

/** run parses argv, runs the chosen command and returns the process exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = makeProgram();
  try {
    await program.parseAsync(splitRunArgv(argv));
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through exitOverride with code 0; usage errors with 1.
      return err.exitCode;
    }
    process.stderr.write(`tsbuild: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
