import type { Command } from "commander";
import { registerParse } from "./parse.js";
import { registerCheck } from "./check.js";

/** registerCommands adds every tsbuild subcommand to the program; one module per command. */
export function registerCommands(program: Command): void {
  void program;
  registerParse(program);
  registerCheck(program);
}
