/** `tsbuild logs [-f] [--tail N] CONTAINER`: print a container's captured output. */
import type { Command } from "commander";
import { containerLogs, InputError } from "../../api/essentials.js";
import { rootOf } from "./container-flags.js";

/** registerLogs adds `tsbuild logs`. */
export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("print a container's output (stdout and stderr as written)")
    .argument("<container>", "container name or id")
    .option("-f, --follow", "keep printing new output until the container exits")
    .option("-n, --tail <n>", "print only the last N lines of what is there")
    .addHelpText("after", "\nExamples:\n  tsbuild logs web\n  tsbuild logs -f --tail 10 web")
    .action(async (container: string, flags: { follow?: boolean; tail?: string }, cmd: Command) => {
      if (flags.tail !== undefined && !/^[0-9]+$/.test(flags.tail) && flags.tail !== "all") throw new InputError(`--tail ${flags.tail}: give a number of lines or "all"`);
      const tail = flags.tail === undefined || flags.tail === "all" ? undefined : Number(flags.tail);
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      await containerLogs({ ...rootOf(cmd), container, out: process.stdout, follow: flags.follow === true, signal: stop.signal, ...(tail !== undefined && { tail }) });
    });
}
