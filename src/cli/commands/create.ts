/** `tsbuild create [options] IMAGE [COMMAND...]`: record a container without starting it; prints its id. */
import type { Command } from "commander";
import { createContainer } from "../../api/essentials.js";
import { addContainerOptions, containerOptions, rootOf, type ContainerFlags } from "./container-flags.js";

/** registerCreate adds `tsbuild create`. */
export function registerCreate(program: Command): void {
  const cmd = program
    .command("create")
    .description("create a container from an image without starting it (start it with tsbuild start)")
    .argument("<image>", "image name or ID")
    .argument("[command...]", "command and arguments (default: the image's Entrypoint and Cmd)");
  addContainerOptions(cmd)
    .addHelpText("after", "\nExamples:\n  tsbuild create --name app demo:1\n  tsbuild start -a app")
    .action(async (image: string, command: string[], flags: ContainerFlags, c: Command) => {
      const state = await createContainer(containerOptions(image, command, flags, rootOf(c).root));
      process.stdout.write(`${state.id}\n`);
    });
}
