/** `tsbuild fsck`: verify every blob, ref, manifest and unpacked snapshot of the store; remove stray temp files and snapshots. */
import type { Command } from "commander";
import { checkStore } from "../../api/essentials.js";
import { storeOpts } from "../store-format.js";

/** registerFsck adds the `fsck` subcommand; the exit code is 1 when a problem remains. */
export function registerFsck(program: Command): void {
  program
    .command("fsck")
    .description("re-hash every blob and unpacked snapshot, check refs and manifests resolve, remove stray temp files and snapshots")
    .addHelpText("after", "\nExamples:\n  tsbuild fsck\n  tsbuild --root /srv/tsbuild fsck")
    .action(async (_opts: unknown, cmd: Command) => {
      const report = await checkStore(storeOpts(cmd));
      for (const p of report.problems) process.stderr.write(`${p.fixed ? "fixed" : "error"}: ${p.message}\n`);
      process.stdout.write(`checked ${report.blobsChecked} blobs, ${report.refsChecked} refs and ${report.snapshotsChecked} unpacked snapshots: ${report.ok ? "ok" : "problems found"}\n`);
      process.exitCode = report.ok ? 0 : 1;
    });
}
