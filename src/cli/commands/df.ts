/** `tsbuild df`: show how much space the store uses, by kind. */
import type { Command } from "commander";
import { storeUsage } from "../../api/essentials.js";
import { humanSize, storeOpts, table } from "../store-format.js";

/** registerDf adds the `df` subcommand. */
export function registerDf(program: Command): void {
  program
    .command("df")
    .description("show the store's disk usage")
    .addHelpText("after", "\nExamples:\n  tsbuild df\n  TSBUILD_ROOT=/srv/tsbuild tsbuild df")
    .action(async (_opts: unknown, cmd: Command) => {
      const u = await storeUsage(storeOpts(cmd));
      process.stdout.write(
        table([
          ["TYPE", "COUNT", "SIZE"],
          ["Images", String(u.images.count), humanSize(u.images.bytes)],
          ["Build cache", String(u.cache.count), humanSize(u.cache.bytes)],
          ["Unreferenced blobs", String(u.unreferenced.count), humanSize(u.unreferenced.bytes)],
          ["Total", "", humanSize(u.total)],
        ]),
      );
    });
}
