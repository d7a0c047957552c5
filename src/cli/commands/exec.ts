/** `tsbuild exec [-i] CONTAINER COMMAND...`: run a command in a running container (runc and crun). */
import type { Command } from "commander";
import { execInContainer } from "../../api/index.js";
import { processSignals, rootOf } from "./container-flags.js";

/** registerExec adds `tsbuild exec`. */
export function registerExec(program: Command): void {
  program
    .command("exec")
    .description("run a command in a running container (with its environment, user and working directory)")
    .argument("<container>", "container name or id")
    .argument("<command...>", "command and arguments")
    .option("-i, --interactive", "pass stdin to the command")
    .addHelpText("after", "\nExamples:\n  tsbuild exec web ps\n  echo hi | tsbuild exec -i web cat")
    .action(async (container: string, argv: string[], flags: { interactive?: boolean }, cmd: Command) => {
      const io = { stdout: process.stdout, stderr: process.stderr, signals: processSignals, ...(flags.interactive === true && { stdin: process.stdin }) };
      const res = await execInContainer({ ...rootOf(cmd), container, argv, io });
      process.exitCode = res.exitCode;
    });
}
