import type { DiffEntry } from "./diff.js";
import { diffUpper, mountSnapshot, type MountSnapshotOptions, type Snapshot, type SnapshotMode } from "./snapshot.js";
import { cleanupStaleMounts, createSnapshotDirs, removeSnapshotDirs, type CleanupReport, type SnapshotDirs } from "./stale-mounts.js";
import { toOverlayWhiteouts, type WhiteoutConversion } from "./whiteouts.js";
import { writeXattrs, type XattrWrite } from "./xattr.js";

/**
 * Snapshotter bundles the layer-filesystem operations under one snapshot root, so that code
 * allowed to import only runtime types (the executor) gets them injected by the composition
 * root. `prepare` makes a fresh `<root>/<id>`; `mount` defaults its mode to the snapshotter's;
 * `cleanup` is cleanupStaleMounts(root); `writeXattrs` sets attributes an unpacker could not.
 */
export interface Snapshotter {
  readonly root: string;
  prepare(): Promise<SnapshotDirs>;
  mount(options: MountSnapshotOptions): Promise<Snapshot>;
  diff(upper: string): Promise<DiffEntry[]>;
  remove(dirs: SnapshotDirs): Promise<void>;
  cleanup(): Promise<CleanupReport>;
  toOverlayWhiteouts(dir: string): Promise<WhiteoutConversion>;
  writeXattrs(items: readonly XattrWrite[]): Promise<void>;
}

/** createSnapshotter returns the Snapshotter for snapshot dirs under `root` (e.g. `<storeRoot>/mounts`). */
export function createSnapshotter(root: string, mode: SnapshotMode | "auto" = "auto"): Snapshotter {
  return {
    root,
    prepare: () => createSnapshotDirs(root),
    mount: (options) => mountSnapshot({ mode, ...options }),
    diff: diffUpper,
    remove: removeSnapshotDirs,
    cleanup: () => cleanupStaleMounts(root),
    toOverlayWhiteouts,
    writeXattrs,
  };
}
