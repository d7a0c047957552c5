/** `tsbuild tag SOURCE TARGET`: give an image another name. */
import type { Command } from "commander";
import { tag } from "../../api/essentials.js";
import { storeOpts } from "../store-format.js";

/** registerTag adds the `tag` subcommand. */
export function registerTag(program: Command): void {
  program
    .command("tag")
    .description("create a name TARGET that refers to the image SOURCE")
    .argument("<source>", "image name, ID or digest")
    .argument("<target>", "new NAME[:TAG]")
    .addHelpText("after", "\nExamples:\n  tsbuild tag app:dev registry.local/app:1.0")
    .action(async (source: string, target: string, _opts: unknown, cmd: Command) => {
      await tag(source, target, storeOpts(cmd));
    });
}
