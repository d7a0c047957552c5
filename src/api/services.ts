/**
 * createServices wires the executor's op services to the concrete runtime: the sandbox driver
 * (runc, crun or builtin), overlay snapshots, the image unpacker and confined path resolution.
 * This is the one place that chooses implementations (the executor only knows the interfaces).
 */
import { mkdir, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import type { Digest } from "../core/digest.js";
import { InputError } from "../core/errors.js";
import type { BuildContext } from "../executor/context.js";
import type { LayerBlob, OpServices } from "../executor/ops/types.js";
import { readImage } from "../image/images.js";
import { unpackLayerDir } from "./layer-dir.js";
import { unpackImage } from "../image/unpack-image.js";
import { resolveInRoot } from "../runtime/confined.js";
import { populateCopy } from "../runtime/copy-populate.js";
import type { RunIo, RunResult } from "../runtime/driver.js";
import type { SpecInput } from "../runtime/spec-input.js";
import { pickDriver, type RuntimeName } from "./drivers.js";
import { cleanupStaleMounts, createSnapshotDirs, diffUpper, mountSnapshot } from "../runtime/snapshot.js";
import { removeSnapshotDirs } from "../runtime/stale-mounts.js";
import { buildSpec } from "../runtime/spec.js";
import { pruneStubParents } from "../runtime/stub-dirs.js";
import { resolveUser } from "../runtime/user.js";
import { readXattrTree } from "../runtime/xattr.js";
import { snapshotRoot } from "../store/snapshots.js";
import type { Store } from "../store/store.js";

export { pickDriver, type RuntimeName };

/** blobsOf describes an image's layers (blob descriptors plus diffIDs from its config). */
async function blobsOf(store: Store, digest: Digest): Promise<LayerBlob[]> {
  const img = await readImage(store, digest);
  return img.manifest.layers.map((l, i) => {
    const diffId = img.config.rootfs.diff_ids[i];
    if (!diffId) throw new InputError(`image ${digest} has fewer diffIDs than layers`);
    return { digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: diffId as Digest };
  });
}

export interface ServiceOptions {
  readonly runtime?: RuntimeName | "auto";
  readonly secrets?: Readonly<Record<string, Uint8Array | string>>;
  /** SSH agent sockets by id, already checked (checkSshAgents). */
  readonly sshAgents?: ReadonlyMap<string, string>;
  readonly sourceDateEpoch?: number;
}

/** createServices returns OpServices for one build on `store`. */
export async function createServices(store: Store, context: BuildContext | undefined, opts: ServiceOptions): Promise<OpServices> {
  const driver = await pickDriver(opts.runtime ?? "auto", `${store.root}/runtime`);
  const workRoot = `${store.root}/work`;
  const layerRoot = snapshotRoot(store);
  await mkdir(workRoot, { recursive: true, mode: 0o700 });
  await mkdir(layerRoot, { recursive: true, mode: 0o700 });
  const mountsRoot = `${store.root}/mounts`;
  // A tsbuild killed mid-step leaves mounts behind; clean those of dead processes before starting.
  await cleanupStaleMounts(mountsRoot);
  const secrets = new Map(Object.entries(opts.secrets ?? {}).map(([k, v]) => [k, typeof v === "string" ? Buffer.from(v) : v]));
  return {
    store,
    context,
    workRoot,
    layerRoot,
    mountSnapshot,
    createSnapshotDirs: () => createSnapshotDirs(mountsRoot),
    removeSnapshotDirs,
    diffUpper,
    readXattrTree,
    pruneStubParents,
    resolveUser,
    resolveInRoot,
    copyTree: (src, dest) => populateCopy([src], dest),
    secrets,
    sshAgents: opts.sshAgents ?? new Map(),
    sourceDateEpoch: opts.sourceDateEpoch,
    unpackLayerDir: (blob, dest) => unpackLayerDir(store, blob, dest),
    async unpackImage(digest, dest) {
      await unpackImage(store, digest, dest);
      return blobsOf(store, digest);
    },
    runContainer: (input, io) => runOne(input, io),
    runSandbox: (input, io) => runOne(input, io),
  };

  /** runOne runs one sandboxed process in a fresh bundle dir that is removed afterwards. */
  async function runOne(input: SpecInput, io: RunIo): Promise<RunResult> {
    const bundle = `${workRoot}/bundle-${randomBytes(8).toString("hex")}`;
    await mkdir(bundle, { mode: 0o700 });
    try {
      return await driver.run(buildSpec(input), { dir: bundle, id: `tsbuild-${randomBytes(6).toString("hex")}` }, io);
    } finally {
      await rm(bundle, { recursive: true, force: true });
    }
  }
}
