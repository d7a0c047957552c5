/** `tsbuild inspect REF`: print an image's names, digests, manifest and config as JSON. */
import type { Command } from "commander";
import { inspect } from "../../api/essentials.js";
import { storeOpts } from "../store-format.js";

/** registerInspect adds the `inspect` subcommand. */
export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description("show an image's manifest, config and digests as JSON")
    .argument("<ref>", "image name, ID or digest")
    .addHelpText("after", "\nExamples:\n  tsbuild inspect app:dev\n  tsbuild inspect sha256:4d59b44830de")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      process.stdout.write(`${JSON.stringify(await inspect(ref, storeOpts(cmd)), null, 2)}\n`);
    });
}
