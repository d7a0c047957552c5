/**
 * `tsbuild run [options] IMAGE [COMMAND...]`: create a container from a stored image and run it,
 * in the foreground (tsbuild's exit code is the container's) or with -d detached (the container
 * keeps running after tsbuild returns; its id is printed).
 */
import type { Command } from "commander";
import { createContainer, InputError, startDetached } from "../../api/essentials.js";
import { runForeground } from "../run-fast.js";
import { addContainerOptions, containerOptions, INTERACTIVE_OPTION, rootOf, TTY_OPTION, supervisorCommand, VALUE_OPTIONS, type ContainerFlags } from "./container-flags.js";

/** SPLIT_AFTER_IMAGE are the subcommands whose first positional is followed by a command with its own options. */
const SPLIT_AFTER_IMAGE = new Set(["run", "create", "exec"]);

/**
 * splitRunArgv inserts `--` after IMAGE in `tsbuild run|create ...` (after NAME in `tsbuild exec`)
 * so that the container's command may carry its own options (`tsbuild run busybox ls -l`), as in Docker.
 */
export function splitRunArgv(argv: readonly string[]): string[] {
  // argv[0] is node and argv[1] the script; the subcommand is the first word that is no option.
  let i = 2;
  while (i < argv.length && argv[i]!.startsWith("-")) i += argv[i] === "--root" ? 2 : 1;
  if (!SPLIT_AFTER_IMAGE.has(argv[i] ?? "") || argv.includes("--")) return [...argv];
  for (let j = i + 1; j < argv.length; j++) {
    const a = argv[j]!;
    if (a.startsWith("-")) {
      if (VALUE_OPTIONS.has(a)) j++;
      continue;
    }
    return [...argv.slice(0, j + 1), "--", ...argv.slice(j + 1)];
  }
  return [...argv];
}

async function action(image: string, command: string[], flags: ContainerFlags & { detach?: boolean }, cmd: Command): Promise<void> {
  const opts = containerOptions(image, command, flags, rootOf(cmd).root);
  if (flags.detach === true) {
    // Deviation: a detached container gets no terminal (its output could not be kept for logs).
    if (flags.tty === true) throw new InputError("tsbuild run -d cannot give the container a terminal: drop -t, or run it in the foreground");
    const created = await createContainer(opts);
    await startDetached({ container: created.id, supervisor: supervisorCommand(), ...(opts.root !== undefined && { root: opts.root }) });
    process.stdout.write(`${created.id}\n`);
    return;
  }
  await runForeground(opts, flags.interactive === true, flags.tty === true);
}

/** registerRun adds `tsbuild run`. */
export function registerRun(program: Command): void {
  const cmd = program
    .command("run")
    .description("run a command in a new container from an image (foreground, or detached with -d)")
    .argument("<image>", "image name or ID")
    .argument("[command...]", "command and arguments (default: the image's Entrypoint and Cmd)")
    .option("-d, --detach", "run in the background and print the container id");
  addContainerOptions(cmd, [INTERACTIVE_OPTION, TTY_OPTION])
    .addHelpText("after", "\nExamples:\n  tsbuild run --rm demo:1\n  echo hi | tsbuild run --rm -i busybox cat\n  tsbuild run --rm -it busybox sh\n  tsbuild run --rm -e NAME=x busybox sh -c 'echo $NAME'\n  tsbuild run -d --name web busybox httpd -f -p 8080\n  tsbuild run --network none --memory 256m busybox ls -l /")
    .action(action);
}
