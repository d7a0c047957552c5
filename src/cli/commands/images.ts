/** `tsbuild images [-q] [--digests] [--format table|json]`: list stored images, one row per name. */
import type { Command } from "commander";
import { images, InputError } from "../../api/essentials.js";
import { ago, humanSize, storeOpts, table } from "../store-format.js";

/** registerImages adds the `images` subcommand. */
export function registerImages(program: Command): void {
  program
    .command("images")
    .description("list images in the store")
    .option("-q, --quiet", "print image IDs only")
    .option("--digests", "show manifest digests")
    .option("--format <format>", "table or json", "table")
    .addHelpText("after", "\nExamples:\n  tsbuild images\n  tsbuild images -q\n  tsbuild images --digests --format json")
    .action(async (opts: { quiet?: boolean; digests?: boolean; format: string }, cmd: Command) => {
      const rows = await images(storeOpts(cmd));
      if (opts.format === "json") return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      if (opts.format !== "table") throw new InputError(`unknown --format ${JSON.stringify(opts.format)}: use table or json`);
      if (opts.quiet) return void process.stdout.write([...new Set(rows.map((r) => r.id.slice(7, 19)))].map((id) => `${id}\n`).join(""));
      const head = ["REPOSITORY", "TAG", ...(opts.digests ? ["DIGEST"] : []), "IMAGE ID", "CREATED", "SIZE"];
      const body = rows.map((r) => [r.repository, r.tag, ...(opts.digests ? [r.digest] : []), r.id.slice(7, 19), ago(r.created), humanSize(r.size)]);
      process.stdout.write(table([head, ...body]));
    });
}
