/** `tsbuild load [-i FILE]`: store the images of a saved archive (read from standard input without -i). */
import type { Command } from "commander";
import { familiarName, InputError, load } from "../../api/essentials.js";
import { storeOpts } from "../store-format.js";

/** registerLoad adds the `load` subcommand. */
export function registerLoad(program: Command): void {
  program
    .command("load")
    .description("load images from a tar made by tsbuild save, docker save or an OCI layout tar")
    .option("-i, --input <file>", "archive to read (plain or gzip); standard input when omitted")
    .addHelpText("after", "\nExamples:\n  tsbuild load -i app.tar\n  docker save busybox | tsbuild load")
    .action(async (opts: { input?: string }, cmd: Command) => {
      if (opts.input === undefined && process.stdin.isTTY) throw new InputError("no archive given: use -i FILE or pipe one into tsbuild load");
      const res = await load(opts.input ?? { name: "standard input", stream: process.stdin }, storeOpts(cmd));
      for (const img of res.images) {
        if (img.tags.length === 0) process.stdout.write(`Loaded image ID: ${img.digest}\n`);
        for (const t of img.tags) process.stdout.write(`Loaded image: ${familiarName(t)}\n`);
      }
    });
}
