// The layer filesystem of RUN steps. Two kinds of layer dirs exist, and every lower is one of them:
// - a base image is unpacked once (the image module's unpacker, layer after layer) into one
//   flattened dir: whiteouts already applied, so it is a valid lower as is;
// - a build step's layer is an overlayfs upper dir (whiteouts are 0/0 character devices), written
//   by the kernel or by the copy fallback; the opaque dirs either leaves are rewritten on release
//   as whiteouts of the lower children they hide (opaque.ts), as BuildKit's layers record them.
// An OCI layer unpacked on its own into an empty dir becomes an upper dir with markOverlayWhiteouts
// (its deletions, read from the tar) or toOverlayWhiteouts (when its `.wh.` files were kept).
import { realpath, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { TsbuildError } from "../core/index.js";
import { recordBase, writeCopyDiff, type CopyBase } from "./copy-diff.js";
import { populateCopy } from "./copy-populate.js";
import { runCapture, runChecked } from "./exec-capture.js";
import { readMountinfo } from "./mountinfo.js";
import { expandOpaqueDirs } from "./opaque.js";
import { linksDirFor, mountOverlay, overlaySupported, unmount } from "./overlay.js";
import { listDir } from "./tree.js";

export { diffUpper, type DiffEntry, type DiffKind } from "./diff.js";
export { unmount, MAX_LOWERS } from "./overlay.js";
export { cleanupStaleMounts, createSnapshotDirs, removeSnapshotDirs, type SnapshotDirs, type CleanupReport } from "./stale-mounts.js";
export { markOverlayWhiteouts, toOverlayWhiteouts, type OverlayMarkers, type WhiteoutConversion } from "./whiteouts.js";
export { writeXattrs, type XattrWrite, type Xattrs } from "./xattr.js";

/** SnapshotMode is how a snapshot is made: an overlayfs mount, or a copy of the lowers diffed afterwards. */
export type SnapshotMode = "overlay" | "copy";

/**
 * MountSnapshotOptions: `lowers` are layer dirs in overlay upper format, top first; `upper` and
 * `work` are empty dirs on one filesystem (absent for a read-only snapshot); `target` is an
 * existing empty dir. `mode` defaults to "auto": overlay when the kernel mounts one on the
 * upper's filesystem (probed once per filesystem), else copy.
 */
export interface MountSnapshotOptions {
  readonly lowers: readonly string[];
  readonly upper?: string;
  readonly work?: string;
  readonly target: string;
  readonly readOnly?: boolean;
  readonly mode?: SnapshotMode | "auto";
  /** signal stops a copy in progress (between entries); the caller then removes the snapshot dir. */
  readonly signal?: AbortSignal;
  /**
   * discard says the writable layer is thrown away after `release` (a container removed at exit):
   * release then only unmounts (or empties a copy) and neither records the copy's changes nor
   * rewrites opaque directories, so `upper` is not a layer afterwards.
   */
  readonly discard?: boolean;
}

/**
 * Snapshot is a mounted (or copied) layer stack at `target`. `release` ends it: it unmounts the
 * overlay (or, for a copy, writes the changes into `upper` in overlay upper format and empties
 * `target`) and removes the mount's links dir. It then rewrites the upper's opaque directories as
 * whiteouts of the lower children they hide (expandOpaqueDirs, as BuildKit's overlay differ writes
 * them). Afterwards `diffUpper(upper)` is the step's layer, the same list in both modes. `release` is idempotent.
 */
export interface Snapshot {
  readonly target: string;
  readonly mode: SnapshotMode;
  readonly readOnly: boolean;
  release(): Promise<void>;
}

async function chooseMode(o: MountSnapshotOptions): Promise<SnapshotMode> {
  if (o.mode === "overlay" || o.mode === "copy") return o.mode;
  const probeDir = dirname(o.upper ?? o.target);
  return (await overlaySupported(probeDir, (await stat(probeDir, { bigint: true })).dev)) ? "overlay" : "copy";
}

function checkOptions(o: MountSnapshotOptions): void {
  const rw = !o.readOnly;
  if (rw && (!o.upper || !o.work)) throw new TsbuildError("Snapshot", `a writable snapshot at ${o.target} needs an upper and a work dir`);
  for (const p of [o.target, o.upper, o.work, ...o.lowers]) {
    if (p !== undefined && !p.startsWith("/")) throw new TsbuildError("Snapshot", `snapshot path ${JSON.stringify(p)} must be absolute`);
  }
}

/**
 * mountSnapshot makes the layers `lowers` visible at `target`: an overlay mount with `upper` as
 * the writable layer (options in overlay.ts), or, in copy mode, a copy of the merged lowers.
 * Read-only snapshots get no upper (a copy is made read-only with a bind mount). Rejects with a
 * TsbuildError naming the target; then nothing is mounted, and a partial copy is left in
 * `target` for the caller to remove with the snapshot dir.
 */
export async function mountSnapshot(options: MountSnapshotOptions): Promise<Snapshot> {
  checkOptions(options);
  // Mount tables name real paths; a target reached through a symlink would never be found there.
  const o = { ...options, target: await realpath(options.target) };
  const mode = await chooseMode(o);
  const readOnly = o.readOnly === true;
  if ((await listDir(o.target)).length > 0) throw new TsbuildError("Snapshot", `snapshot target ${o.target} is not empty`);
  if (mode === "overlay") {
    await mountOverlay({ lowers: o.lowers, target: o.target, ...(readOnly ? {} : { upper: o.upper, work: o.work }) });
    return handle(o.target, mode, readOnly, async () => {
      await unmount(o.target);
      await rm(linksDirFor(o.target), { recursive: true, force: true });
      if (!readOnly && o.upper && o.discard !== true) await expandOpaqueDirs(o.upper, o.lowers);
    });
  }
  await populateCopy(o.lowers, o.target, o.signal);
  if (readOnly) await bindReadOnly(o.target);
  const base: CopyBase | undefined = readOnly || o.discard === true ? undefined : await recordBase(o.target);
  return handle(o.target, mode, readOnly, async () => {
    if (readOnly) await unmount(o.target);
    const left = (await readMountinfo()).filter((m) => m.mountPoint === o.target || m.mountPoint.startsWith(`${o.target}/`));
    if (left.length > 0) {
      throw new TsbuildError("Snapshot", `${left[0]?.mountPoint} is still mounted inside the copied snapshot ${o.target}; unmount it first`);
    }
    if (base && o.upper) {
      await writeCopyDiff(base, o.target, o.upper);
      await expandOpaqueDirs(o.upper, o.lowers);
    } else for (const name of await listDir(o.target)) await rm(`${o.target}/${name}`, { recursive: true, force: true });
  });
}

/** bindReadOnly makes a copied snapshot read-only in place: a bind mount of `target` onto itself, remounted read-only. */
async function bindReadOnly(target: string): Promise<void> {
  await runChecked(["mount", "--bind", "--", target, target], `bind-mounting ${target}`);
  const r = await runCapture(["mount", "-o", "remount,bind,ro", "--", target]);
  if (r.code !== 0) {
    await unmount(target);
    throw new TsbuildError("Snapshot", `making ${target} read-only failed: ${r.stderr.trim()}`);
  }
}

function handle(target: string, mode: SnapshotMode, readOnly: boolean, end: () => Promise<void>): Snapshot {
  let done: Promise<void> | undefined;
  const release = (): Promise<void> =>
    (done ??= end().catch((err: unknown) => {
      done = undefined; // a failed release may be retried
      throw err;
    }));
  return { target, mode, readOnly, release };
}
