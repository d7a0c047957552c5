/**
 * `tsbuild start [-a] CONTAINER...`: start created or exited containers, detached (each keeps
 * running after tsbuild returns) or with -a attached (output here, exit code the container's).
 * Also registers the hidden subcommand that supervises a detached container.
 */
import type { Command } from "commander";
import { InputError, startDetached, superviseContainer } from "../../api/essentials.js";
import { processSignals, rootOf, supervisorCommand, SUPERVISE_COMMAND } from "./container-flags.js";

/** registerStart adds `tsbuild start` and the hidden supervisor subcommand. */
export function registerStart(program: Command): void {
  program
    .command("start")
    .description("start one or more stopped containers")
    .argument("<container...>", "container names or ids")
    .option("-a, --attach", "attach to the container's output and wait for it to exit (one container)")
    .addHelpText("after", "\nExamples:\n  tsbuild start web\n  tsbuild start -a job")
    .action(async (containers: string[], flags: { attach?: boolean }, cmd: Command) => {
      const scope = rootOf(cmd);
      if (flags.attach === true) {
        if (containers.length !== 1) throw new InputError("start -a takes exactly one container");
        const res = await superviseContainer({ ...scope, container: containers[0]!, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signals: processSignals });
        process.exitCode = res.exitCode;
        return;
      }
      for (const container of containers) {
        await startDetached({ ...scope, container, supervisor: supervisorCommand() });
        process.stdout.write(`${container}\n`);
      }
    });
  program
    .command(SUPERVISE_COMMAND, { hidden: true })
    .argument("<id>", "container id")
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      // Detached from any terminal: a supervisor lives in its own session, its stderr is the container's log.
      const res = await superviseContainer({ ...rootOf(cmd), container: id, signals: processSignals });
      process.exitCode = res.exitCode;
    });
}
