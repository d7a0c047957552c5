/** `tsbuild rm [-f] CONTAINER...`: remove containers (state, mounts and writable layer). */
import type { Command } from "commander";
import { removeContainer } from "../../api/essentials.js";
import { rootOf } from "./container-flags.js";

/** registerRm adds `tsbuild rm`. */
export function registerRm(program: Command): void {
  program
    .command("rm")
    .description("remove containers and their writable layers")
    .argument("<container...>", "container names or ids")
    .option("-f, --force", "kill a running container first")
    .addHelpText("after", "\nExamples:\n  tsbuild rm web\n  tsbuild rm -f web")
    .action(async (containers: string[], flags: { force?: boolean }, cmd: Command) => {
      for (const container of containers) {
        await removeContainer({ ...rootOf(cmd), container, force: flags.force === true });
        process.stdout.write(`${container}\n`);
      }
    });
}
