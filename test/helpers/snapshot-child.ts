// A stand-in for a tsbuild process killed mid-step: it mounts one snapshot under the root given
// as argv[2], prints "ready <target>", and waits to be killed without unmounting.
import { mkdirSync, writeFileSync } from "node:fs";
import { createSnapshotDirs, mountSnapshot } from "../../src/runtime/snapshot.js";

const root = process.argv[2];
if (!root) throw new Error("usage: snapshot-child.ts ROOT");
const lower = `${root}.lower`;
mkdirSync(lower, { recursive: true });
writeFileSync(`${lower}/file`, "lower\n");
const dirs = await createSnapshotDirs(root);
await mountSnapshot({ lowers: [lower], upper: dirs.upper, work: dirs.work, target: dirs.target, mode: "overlay" });
writeFileSync(`${dirs.target}/written`, "by the killed step\n");
process.stdout.write(`ready ${dirs.target}\n`);
setInterval(() => undefined, 60_000);
