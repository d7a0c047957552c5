/** `tsbuild load -i FILE`: store the images of a saved archive. */
import type { Command } from "commander";
import { load } from "../../api/index.js";
import { storeOpts } from "../store-format.js";

/** registerLoad adds the `load` subcommand. */
export function registerLoad(program: Command): void {
  program
    .command("load")
    .description("load images from a tar made by tsbuild save, docker save or an OCI layout tar")
    .requiredOption("-i, --input <file>", "archive to read (plain or gzip)")
    .action(async (opts: { input: string }, cmd: Command) => {
      const res = await load(opts.input, storeOpts(cmd));
      for (const img of res.images) {
        if (img.tags.length === 0) process.stdout.write(`Loaded image ID: ${img.digest}\n`);
        for (const t of img.tags) process.stdout.write(`Loaded image: ${t}\n`);
      }
    });
}
