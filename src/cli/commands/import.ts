/** `tsbuild import ROOTFS.tar NAME[:TAG]...`: store a rootfs tar (plain or gzip) as a one-layer image. */
import type { Command } from "commander";
import { importImage, InputError } from "../../api/essentials.js";
import { storeOpts } from "../store-format.js";

/** registerImport adds the `import` subcommand. */
export function registerImport(program: Command): void {
  program
    .command("import")
    .description("create a one-layer image from a rootfs tar (plain or gzip)")
    .argument("<file>", "rootfs tar archive")
    .argument("[names...]", "NAME[:TAG] to give the image")
    .option("--format <format>", "media types: oci or docker", "oci")
    .addHelpText("after", "\nExamples:\n  tsbuild import rootfs.tar base:1\n  tsbuild import --format docker rootfs.tar base:1 base:latest")
    .action(async (file: string, names: string[], opts: { format: string }, cmd: Command) => {
      if (opts.format !== "oci" && opts.format !== "docker") throw new InputError(`unknown --format ${JSON.stringify(opts.format)}: use oci or docker`);
      const res = await importImage(file, names, { ...storeOpts(cmd), format: opts.format });
      process.stdout.write(`${res.configDigest}\n`);
    });
}
