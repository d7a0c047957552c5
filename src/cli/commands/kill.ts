/** `tsbuild kill [-s SIG] CONTAINER...`: send a signal (default KILL) to containers' main processes. */
import type { Command } from "commander";
import { killContainer } from "../../api/essentials.js";
import { rootOf } from "./container-flags.js";

/** registerKill adds `tsbuild kill`. */
export function registerKill(program: Command): void {
  program
    .command("kill")
    .description("send a signal to running containers")
    .argument("<container...>", "container names or ids")
    .option("-s, --signal <sig>", "signal name or number", "KILL")
    .addHelpText("after", "\nExamples:\n  tsbuild kill web\n  tsbuild kill -s HUP web")
    .action(async (containers: string[], flags: { signal: string }, cmd: Command) => {
      for (const container of containers) {
        await killContainer({ ...rootOf(cmd), container, signal: flags.signal });
        process.stdout.write(`${container}\n`);
      }
    });
}
