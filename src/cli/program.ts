import { existsSync, readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands/index.js";
import { splitRunArgv } from "./commands/run.js";

/**
 * version reads tsbuild's version from its package.json, the nearest one above this module (it
 * runs from src/cli, dist/cli or a bundle of the CLI in dist/cli/bundle).
 */
function version(): string {
  for (let dir = new URL(".", import.meta.url); ; dir = new URL("..", dir)) {
    const file = new URL("package.json", dir);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    if (dir.pathname === "/") throw new Error(`no package.json above ${import.meta.url}`);
  }
}

/** ran is the name of the last command whose action started ("" before any, and for --help or --version). */
let ran = "";

/** commandRan names the command whose action started last, for the CLI's code cache (bundle-load.ts). */
export function commandRan(): string {
  return ran;
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
    .hook("preAction", (_program, action) => {
      ran = action.name();
    })
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
