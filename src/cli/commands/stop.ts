/** `tsbuild stop [-t SECS] CONTAINER...`: the image's StopSignal (else SIGTERM), SIGKILL after the timeout. */
import type { Command } from "commander";
import { InputError, stopContainer } from "../../api/essentials.js";
import { rootOf } from "./container-flags.js";

/** registerStop adds `tsbuild stop`. */
export function registerStop(program: Command): void {
  program
    .command("stop")
    .description("stop running containers: StopSignal (default SIGTERM), then SIGKILL after the timeout")
    .argument("<container...>", "container names or ids")
    .option("-t, --time <secs>", "seconds to wait before SIGKILL", "10")
    .addHelpText("after", "\nExamples:\n  tsbuild stop web\n  tsbuild stop -t 1 web")
    .action(async (containers: string[], flags: { time: string }, cmd: Command) => {
      if (!/^[0-9]+$/.test(flags.time)) throw new InputError(`-t ${flags.time}: give whole seconds`);
      for (const container of containers) {
        await stopContainer({ ...rootOf(cmd), container, timeoutSec: Number(flags.time) });
        process.stdout.write(`${container}\n`);
      }
    });
}
