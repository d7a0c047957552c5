import type { Command } from "commander";

/** registerCommands adds every tsbuild subcommand to the program; one module per command. */
export function registerCommands(program: Command): void {
  void program;
}
