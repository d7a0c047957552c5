/**
 * `tsbuild exec [-i] [-t] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND...`: run a command in a
 * running container (runc and crun), as `docker exec` does.
 */
import type { Command } from "commander";
import { execInContainer, InputError } from "../../api/essentials.js";
import { envEntries, processSignals, rootOf } from "./container-flags.js";

const collect = (v: string, prev: string[]) => [...prev, v];

/** ExecFlags are the parsed options of `tsbuild exec`. */
interface ExecFlags {
  interactive?: boolean;
  tty?: boolean;
  env: string[];
  user?: string;
  workdir?: string;
}

/**
 * terminalCheck refuses -t unless stdin is a terminal: the runtime gives the command a pseudo
 * terminal of its own and relays tsbuild's terminal to it (crun reads its settings from stdin).
 */
function terminalCheck(flags: ExecFlags): void {
  // Deviation: docker exec -t also works without a local terminal (the daemon holds the pty).
  if (flags.tty === true && !process.stdin.isTTY) throw new InputError("the input device is not a TTY: run tsbuild exec -t in a terminal, or drop -t");
}

async function action(container: string, argv: string[], flags: ExecFlags, cmd: Command): Promise<void> {
  terminalCheck(flags);
  // Deviation: with -t the terminal's input reaches the command even without -i.
  const attach = flags.interactive === true || flags.tty === true;
  const io = { stdout: process.stdout, stderr: process.stderr, signals: processSignals, ...(attach && { stdin: process.stdin }) };
  const res = await execInContainer({
    ...rootOf(cmd),
    container,
    argv,
    io,
    ...(flags.env.length > 0 && { env: envEntries(flags.env) }),
    ...(flags.user !== undefined && { user: flags.user }),
    ...(flags.workdir !== undefined && { workdir: flags.workdir }),
    ...(flags.tty === true && { tty: true }),
  });
  process.exitCode = res.exitCode;
}

/** registerExec adds `tsbuild exec`. */
export function registerExec(program: Command): void {
  program
    .command("exec")
    .description("run a command in a running container (with its environment, user and working directory unless -e, -u or -w change them)")
    .argument("<container>", "container name or id")
    .argument("<command...>", "command and arguments")
    .option("-i, --interactive", "pass stdin to the command")
    .option("-t, --tty", "give the command a terminal (tsbuild must run in one; implies -i)")
    .option("-e, --env <k=v>", "set an environment variable; K alone takes K's value here (repeatable)", collect, [])
    .option("-u, --user <user[:group]>", "user to run as (name or id, resolved in the container)")
    .option("-w, --workdir <dir>", "working directory inside the container (absolute)")
    .addHelpText("after", "\nExamples:\n  tsbuild exec web ps\n  echo hi | tsbuild exec -i web cat\n  tsbuild exec -u app -w /tmp -e MODE=debug web env\n  tsbuild exec -it web sh")
    .action(action);
}
