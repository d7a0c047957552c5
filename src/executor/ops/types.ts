/**
 * The executor's op layer: what a vertex result is, and the services the ops use. The services
 * are injected by the composition root (src/api), so the executor depends on runtime TYPES only
 * (docs/ARCHITECTURE.md) and tests can substitute any of them.
 */
import type { Digest } from "../../core/digest.js";
import type { RunIo, RunResult } from "../../runtime/driver.js";
import type { DiffEntry } from "../../runtime/diff.js";
import type { MountSnapshotOptions, Snapshot } from "../../runtime/snapshot.js";
import type { SnapshotDirs } from "../../runtime/stale-mounts.js";
import type { SpecInput } from "../../runtime/spec-input.js";
import type { StubParent } from "../../runtime/stub-dirs.js";
import type { ResolvedUser } from "../../runtime/user.js";
import type { Xattrs } from "../../runtime/xattr.js";
import type { Store } from "../../store/store.js";
import type { BuildContext } from "../context-types.js";

/** LayerBlob describes one image layer: compressed blob in the store, and its diffID. */
export interface LayerBlob {
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
  readonly diffId: Digest;
}

/**
 * LayerDir is a directory in overlay upper format standing for one or more image layers: a base
 * image unpacked flattened (all its layers), or one build step's upper dir (one layer).
 */
export interface LayerDir {
  readonly dir: string;
  readonly blobs: readonly LayerBlob[];
  /** created is when a build step's layer was committed (seconds since the epoch); kept with its cache record, absent for base images. */
  readonly created?: number;
}

/** FsResult is a vertex result: the filesystem it produced, as layer dirs, base first. */
export interface FsResult {
  readonly layers: readonly LayerDir[];
}

/** OpServices are the capabilities ops use; src/api wires the real ones. */
export interface OpServices {
  readonly store: Store;
  /** The build context, when the build has one. */
  readonly context: BuildContext | undefined;
  /** Scratch space for mounts and temporary dirs (same filesystem as the store). */
  readonly workRoot: string;
  /** Where layer dirs are kept, keyed by diffID (they back the cache across builds). */
  readonly layerRoot: string;
  readonly mountSnapshot: (o: MountSnapshotOptions) => Promise<Snapshot>;
  /** Makes `<mounts>/<id>/{upper,work,merged}` owned by this process, so a later start can clean up after a crash. */
  readonly createSnapshotDirs: () => Promise<SnapshotDirs>;
  /** Removes snapshot dirs once nothing is mounted inside them. */
  readonly removeSnapshotDirs: (dirs: SnapshotDirs) => Promise<void>;
  /** Lists a layer dir's changes; `attrs` is readXattrTree(upper) when the caller already read it. */
  readonly diffUpper: (upper: string, attrs?: ReadonlyMap<string, Xattrs>) => Promise<DiffEntry[]>;
  /** Reads every extended attribute under a dir (one getfattr), keyed by relative path. */
  readonly readXattrTree: (root: string) => Promise<Map<string, Xattrs>>;
  /** Removes from an unmounted upper dir the empty, unchanged directories that held mount points (runtime/stub-dirs.ts). */
  readonly pruneStubParents: (upper: string, parents: readonly StubParent[], attrs?: ReadonlyMap<string, Xattrs>) => Promise<number>;
  readonly runSandbox: (spec: SpecInput, io: RunIo) => Promise<RunResult>;
  /** Runs a container (same sandbox as RUN steps); used by `tsbuild run`. */
  readonly runContainer: (spec: SpecInput, io: RunIo) => Promise<RunResult>;
  readonly resolveUser: (rootfs: string, user: string) => Promise<ResolvedUser>;
  readonly resolveInRoot: (root: string, path: string, create?: "dir" | "file") => Promise<string | undefined>;
  /** Copies the directory tree `src` into the empty directory `dest`, keeping owners, modes, times and attributes. */
  readonly copyTree: (src: string, dest: string) => Promise<void>;
  /** Unpacks one step layer blob (in the store) into dest (an empty dir) in overlay upper format; resolves with its diffID. */
  readonly unpackLayerDir: (blob: LayerBlob, dest: string) => Promise<Digest>;
  /** Unpacks the image with this manifest digest, flattened, into dest (an empty dir). */
  readonly unpackImage: (manifest: Digest, dest: string) => Promise<LayerBlob[]>;
  /** Secret values by id (`--secret`); never written to a layer, key or history. */
  readonly secrets?: ReadonlyMap<string, Uint8Array>;
  /** SSH agent sockets by id (`--ssh`), relayed into `RUN --mount=type=ssh`; never part of a layer, key or history. */
  readonly sshAgents?: ReadonlyMap<string, string>;
  /** SOURCE_DATE_EPOCH in seconds, when set: layer mtimes are clamped to it. */
  readonly sourceDateEpoch: number | undefined;
}
