/** `tsbuild rmi [-f] REF...`: untag images and delete those left without a name. */
import type { Command } from "commander";
import { removeImage } from "../../api/essentials.js";
import { storeOpts } from "../store-format.js";

/** registerRmi adds the `rmi` subcommand. */
export function registerRmi(program: Command): void {
  program
    .command("rmi")
    .description("remove images (untag; delete once no name is left)")
    .argument("<refs...>", "image names, IDs or digests")
    .option("-f, --force", "remove every name of an image given by ID")
    .addHelpText("after", "\nExamples:\n  tsbuild rmi app:dev\n  tsbuild rmi -f sha256:4d59b44830de")
    .action(async (refs: string[], opts: { force?: boolean }, cmd: Command) => {
      const res = await removeImage(refs, Boolean(opts.force), storeOpts(cmd));
      for (const n of res.untagged) process.stdout.write(`Untagged: ${n}\n`);
      for (const d of res.deleted) process.stdout.write(`Deleted: ${d}\n`);
    });
}
