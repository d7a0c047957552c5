import { randomBytes } from "node:crypto";
import { lstat, mkdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { TsbuildError } from "../core/index.js";
import { processStart } from "../core/process.js";
import { readMountinfo } from "./mountinfo.js";
import { unmount } from "./overlay.js";
import { listDir } from "./tree.js";

/**
 * SnapshotDirs is one snapshot's private directory `<root>/<id>`: `upper` and `work` for the
 * overlay, `target` to mount on, and an `owner` file naming the process that uses it. After a
 * successful step the caller renames `upper` into its layer store, then removes `dir`.
 */
export interface SnapshotDirs {
  readonly id: string;
  readonly dir: string;
  readonly upper: string;
  readonly work: string;
  readonly target: string;
}

/**
 * createSnapshotDirs makes `<root>/<id>` with empty upper, work and merged dirs and an owner file
 * holding this process's pid and start time, which cleanupStaleMounts checks before touching it.
 */
export async function createSnapshotDirs(root: string): Promise<SnapshotDirs> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const id = randomBytes(8).toString("hex");
  const dir = `${await realpath(root)}/${id}`;
  await mkdir(dir, { mode: 0o700 });
  await writeFile(`${dir}/owner`, `${process.pid} ${await processStart(process.pid)}\n`);
  const dirs = { id, dir, upper: `${dir}/upper`, work: `${dir}/work`, target: `${dir}/merged` };
  for (const d of [dirs.upper, dirs.work, dirs.target]) await mkdir(d, { mode: 0o755 });
  return dirs;
}

/** OWNERLESS_GRACE_MS is how long a snapshot dir without an owner file counts as being set up. */
const OWNERLESS_GRACE_MS = 60_000;

/**
 * removeSnapshotDirs deletes a released snapshot's dir (whatever the caller has not moved out of
 * it, such as the work dir). Rejects, deleting nothing, while anything is still mounted inside.
 */
export async function removeSnapshotDirs(dirs: SnapshotDirs): Promise<void> {
  const inside = (await readMountinfo()).find((m) => m.mountPoint === dirs.dir || m.mountPoint.startsWith(`${dirs.dir}/`));
  if (inside) throw new TsbuildError("Snapshot", `${inside.mountPoint} is still mounted; release the snapshot before removing ${dirs.dir}`);
  await rm(dirs.dir, { recursive: true, force: true });
}

/** ownerAlive says whether the process named by `<dir>/owner` still runs (same pid and start time). */
async function ownerAlive(dir: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(`${dir}/owner`, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
    // createSnapshotDirs writes the owner file right after mkdir: a young ownerless dir may be in that gap.
    return Date.now() - (await lstat(dir)).mtimeMs < OWNERLESS_GRACE_MS;
  }
  const [pid, start] = text.trim().split(" ");
  if (!/^\d+$/.test(pid ?? "") || start === undefined) return false;
  return (await processStart(Number(pid))) === start;
}

/** CleanupReport lists the mount points cleanupStaleMounts detached and the snapshot dirs it removed. */
export interface CleanupReport {
  readonly unmounted: string[];
  readonly removed: string[];
}

/**
 * cleanupStaleMounts repairs what a killed tsbuild left under `root` (the snapshot root, never
 * anything else): every mount strictly below `root` whose snapshot dir has no live owner is
 * detached (deepest first, lazily if busy), then those snapshot dirs are removed. A dir is only
 * removed once /proc/self/mountinfo shows nothing mounted below it. Snapshots of running tsbuild
 * processes are left alone, so this is safe at every start. A missing `root` is fine.
 */
export async function cleanupStaleMounts(root: string): Promise<CleanupReport> {
  const report: CleanupReport = { unmounted: [], removed: [] };
  let real: string;
  try {
    real = await realpath(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return report;
    throw err;
  }
  // Only dirs found without a live owner are touched: a dir another process creates meanwhile
  // (a build starting at the same time) was not looked at, and is not removed.
  const dead = new Set<string>();
  for (const name of await listDir(real)) if (!(await ownerAlive(`${real}/${name}`))) dead.add(name);
  const isStale = (mountPoint: string): boolean => mountPoint.startsWith(`${real}/`) && dead.has(mountPoint.slice(real.length + 1).split("/")[0] ?? "");
  const stale = (await readMountinfo()).filter((m) => isStale(m.mountPoint)).map((m) => m.mountPoint);
  for (const mountPoint of [...new Set(stale)].reverse()) {
    await unmount(mountPoint);
    report.unmounted.push(mountPoint);
  }
  const mounts = await readMountinfo();
  for (const name of dead) {
    const dir = `${real}/${name}`;
    if (mounts.some((m) => m.mountPoint === dir || m.mountPoint.startsWith(`${dir}/`))) {
      throw new TsbuildError("Snapshot", `${dir} still has mounts after cleanup; refusing to remove it`);
    }
    await rm(dir, { recursive: true, force: true });
    report.removed.push(dir);
  }
  return report;
}
