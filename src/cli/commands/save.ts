/** `tsbuild save REF... [-o FILE] [--format oci|docker|oci-dir]`: export images (to standard output without -o). */
import type { Command } from "commander";
import { InputError, save, type SaveFormat } from "../../api/essentials.js";
import { storeOpts } from "../store-format.js";

const FORMATS: readonly SaveFormat[] = ["oci", "docker", "oci-dir"];

/** registerSave adds the `save` subcommand. */
export function registerSave(program: Command): void {
  program
    .command("save")
    .description("export images as an OCI layout tar, a tar docker load accepts, or an OCI layout directory")
    .argument("<refs...>", "image names, IDs or digests")
    .option("-o, --output <path>", "file to write (a directory for --format oci-dir); standard output when omitted")
    .option("--format <format>", `oci, docker (OCI layout plus docker's manifest.json) or oci-dir`, "oci")
    .addHelpText("after", "\nExamples:\n  tsbuild save app:dev -o app.tar\n  tsbuild save --format docker app:dev | docker load\n  tsbuild save --format oci-dir -o ./layout app:dev")
    .action(async (refs: string[], opts: { output?: string; format: string }, cmd: Command) => {
      if (!FORMATS.includes(opts.format as SaveFormat)) throw new InputError(`unknown --format ${JSON.stringify(opts.format)}: use ${FORMATS.join(", ")}`);
      if (opts.output === undefined && process.stdout.isTTY) throw new InputError("refusing to write a tar archive to a terminal: give -o FILE or redirect the output");
      await save(refs, opts.output ?? process.stdout, opts.format as SaveFormat, storeOpts(cmd));
    });
}
