/** `tsbuild commit [-m MSG] CONTAINER IMAGE`: make a container's writable layer a new image layer. */
import type { Command } from "commander";
import { commitContainer } from "../../api/essentials.js";
import { rootOf } from "./container-flags.js";

/** registerCommit adds `tsbuild commit`. */
export function registerCommit(program: Command): void {
  program
    .command("commit")
    .description("create an image from a container's changes (its writable layer on top of its image)")
    .argument("<container>", "container name or id")
    .argument("<image>", "name for the new image, e.g. app:patched")
    .option("-m, --message <text>", "history comment")
    .addHelpText("after", "\nExamples:\n  tsbuild commit web web:patched")
    .action(async (container: string, image: string, flags: { message?: string }, cmd: Command) => {
      const digest = await commitContainer({ ...rootOf(cmd), container, image, ...(flags.message !== undefined && { message: flags.message }) });
      process.stdout.write(`${digest}\n`);
    });
}
