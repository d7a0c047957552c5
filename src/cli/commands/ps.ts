/** `tsbuild ps [-a] [-q]`: list running containers (all with -a). */
import type { Command } from "commander";
import { listContainers, type ContainerRow } from "../../api/essentials.js";
import { rootOf } from "./container-flags.js";

/** ago formats the time since `iso` as Docker does (roughly). */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return s <= 1 ? "Less than a second" : `${s} seconds`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? "About a minute" : `${m} minutes`;
  const h = Math.round(m / 60);
  if (h < 48) return h === 1 ? "About an hour" : `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

/** statusText is the STATUS column: Created, Up ..., Exited (N) ... ago. */
export function statusText(r: ContainerRow, now = Date.now()): string {
  if (r.status === "running") return `Up ${ago(r.started ?? r.created, now)}`;
  if (r.status === "created") return "Created";
  return `Exited (${r.exitCode ?? 0}) ${ago(r.finished ?? r.created, now)} ago`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd()).join("\n") + "\n";
}

/** registerPs adds `tsbuild ps`. */
export function registerPs(program: Command): void {
  program
    .command("ps")
    .description("list containers")
    .option("-a, --all", "show every container (default: running ones)")
    .option("-q, --quiet", "print only ids")
    .addHelpText("after", "\nExamples:\n  tsbuild ps\n  tsbuild ps -a")
    .action(async (flags: { all?: boolean; quiet?: boolean }, cmd: Command) => {
      const rows = await listContainers({ ...rootOf(cmd), all: flags.all === true });
      if (flags.quiet === true) {
        process.stdout.write(rows.map((r) => `${r.id.slice(0, 12)}\n`).join(""));
        return;
      }
      const quote = (c: string): string => JSON.stringify(c.length > 20 ? `${c.slice(0, 19)}…` : c);
      const lines = rows.map((r) => [r.id.slice(0, 12), r.image, quote(r.command), `${ago(r.created)} ago`, statusText(r), r.name]);
      process.stdout.write(table([["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES"], ...lines]));
    });
}
