/** `tsbuild prune [-a] [-f] [--keep-storage SIZE] [--filter until=DURATION]`: reclaim space. */
import type { Command } from "commander";
import { InputError, pruneStore } from "../../api/essentials.js";
import { humanSize, parseDuration, parseSize, storeOpts } from "../store-format.js";

/** registerPrune adds the `prune` subcommand. */
export function registerPrune(program: Command): void {
  program
    .command("prune")
    .description("remove untagged images (all unused images with -a), build cache and unreferenced blobs; leased content is kept")
    .option("-a, --all", "remove tagged images too")
    .option("-f, --force", "do not ask for confirmation (tsbuild never asks)")
    .option("--keep-storage <size>", "keep this much build cache, e.g. 5GB")
    .option("--filter <filter>", "until=DURATION: keep images created more recently, e.g. until=24h")
    .addHelpText("after", "\nExamples:\n  tsbuild prune\n  tsbuild prune -a\n  tsbuild prune --keep-storage 5GB --filter until=24h")
    .action(async (opts: { all?: boolean; keepStorage?: string; filter?: string }, cmd: Command) => {
      let untilMs: number | undefined;
      if (opts.filter !== undefined) {
        const m = /^until=(.+)$/.exec(opts.filter);
        if (!m) throw new InputError(`unsupported --filter ${JSON.stringify(opts.filter)}: use until=DURATION`);
        untilMs = parseDuration(m[1] as string);
      }
      const keepStorage = opts.keepStorage === undefined ? undefined : parseSize(opts.keepStorage);
      const r = await pruneStore({ ...storeOpts(cmd), all: Boolean(opts.all), untilMs, keepStorage });
      for (const d of r.images) process.stdout.write(`Deleted image: ${d}\n`);
      const snaps = "removed" in r.snapshots ? `, ${r.snapshots.removed} unpacked layer snapshots` : "";
      process.stdout.write(`Deleted ${r.blobs} blobs${snaps} and ${r.cacheEntries} cache entries. Total reclaimed space: ${humanSize(r.reclaimedBytes)}\n`);
      if ("skipped" in r.snapshots) process.stdout.write(`Unpacked layer snapshots kept: ${r.snapshots.skipped}; prune again when it is done.\n`);
    });
}
