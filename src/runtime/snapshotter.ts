import type { DiffEntry } from "./diff.js";
import { diffUpper, mountSnapshot, type MountSnapshotOptions, type Snapshot, type SnapshotMode } from "./snapshot.js";
import { cleanupStaleMounts, createSnapshotDirs, removeSnapshotDirs, type CleanupReport, type SnapshotDirs } from "./stale-mounts.js";
import { markOverlayWhiteouts, toOverlayWhiteouts, type OverlayMarkers, type WhiteoutConversion } from "./whiteouts.js";
import { OVERLAY_XATTR_PREFIX } from "./diff.js";
import { writeXattrs, type XattrWrite } from "./xattr.js";

/**
 * Snapshotter bundles the layer-filesystem operations under one snapshot root, so that code
 * allowed to import only runtime types (the executor) gets them injected by the composition
 * root. `prepare` makes a fresh `<root>/<id>`; `mount` defaults its mode to the snapshotter's;
 * `cleanup` is cleanupStaleMounts(root); `writeXattrs` sets attributes an unpacker could not,
 * except overlayfs's own `trusted.overlay.*` ones, which a layer must never smuggle into a
 * lower (they would turn directories opaque or redirect them): those are left out and listed
 * in the result for the caller to warn about.
 */
export interface Snapshotter {
  readonly root: string;
  prepare(): Promise<SnapshotDirs>;
  mount(options: MountSnapshotOptions): Promise<Snapshot>;
  diff(upper: string): Promise<DiffEntry[]>;
  remove(dirs: SnapshotDirs): Promise<void>;
  cleanup(): Promise<CleanupReport>;
  toOverlayWhiteouts(dir: string): Promise<WhiteoutConversion>;
  markOverlayWhiteouts(dir: string, markers: OverlayMarkers): Promise<WhiteoutConversion>;
  writeXattrs(items: readonly XattrWrite[]): Promise<DroppedXattr[]>;
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
    markOverlayWhiteouts,
    writeXattrs: writeLayerXattrs,
  };
}

/** DroppedXattr is an attribute writeLayerXattrs refused to set. */
export interface DroppedXattr {
  readonly path: string;
  readonly name: string;
}

/** writeLayerXattrs sets the attributes of unpacked layer files, leaving out (and returning) overlayfs's own. */
export async function writeLayerXattrs(items: readonly XattrWrite[]): Promise<DroppedXattr[]> {
  const dropped: DroppedXattr[] = [];
  const kept = items.map(({ path, xattrs }) => {
    const safe: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(xattrs)) {
      if (name.startsWith(OVERLAY_XATTR_PREFIX)) dropped.push({ path, name });
      else safe[name] = value;
    }
    return { path, xattrs: safe };
  });
  await writeXattrs(kept);
  return dropped;
}
