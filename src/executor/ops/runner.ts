/**
 * createOpRunner returns the executor's real OpRunner: image (a base image unpacked flattened, kept
 * per manifest digest), scratch (the empty filesystem), exec (RUN), copy (COPY/ADD) and mkdir
 * (WORKDIR), each producing an FsResult.
 */
import { chown, mkdir, rename, rm, stat } from "node:fs/promises";
import { hexOf, type Digest } from "../../core/digest.js";
import { beginSnapshot, deleteSnapshot, finishSnapshot, getSnapshot, snapshotTempName } from "../../store/snapshots.js";
import type { MkdirOp, Vertex } from "../../planner/plan.js";
import type { OpContext, OpRunner, ResolvedInput } from "../types.js";
import { runCopy } from "./copy.js";
import { urlSourceDigest } from "./copy-add.js";
import { runExec } from "./exec.js";
import { gitFetchOf, gitSourceDigest } from "./git.js";
import { layerDirDigest } from "./layer.js";
import { withWritableStep } from "./step.js";
import type { FsResult, LayerBlob, OpServices } from "./types.js";
import { dirIn, missingPrefixes } from "./write.js";

/**
 * baseImage unpacks a base image once per store: into a temp dir named with this pid, recorded as
 * a pending snapshot, then renamed into `base-<hex>` and recorded ready with the digest of its
 * tree (layerDirDigest), which `tsbuild fsck` checks. A ready record whose dir exists is reused;
 * two builds unpacking the same image at once both finish, and the first rename wins.
 */
export async function baseImage(services: OpServices, digest: Digest): Promise<FsResult> {
  const name = `base-${hexOf(digest)}`;
  const dir = `${services.layerRoot}/${name}`;
  const meta = services.store.meta;
  const known = getSnapshot(meta, name);
  if (known?.ready && (await stat(dir).then(() => true, () => false))) return { layers: [{ dir, blobs: JSON.parse(known.info) as LayerBlob[] }] };
  const tmp = `${services.layerRoot}/${snapshotTempName("base")}`;
  beginSnapshot(meta, name, "image", digest);
  await mkdir(tmp, { recursive: true, mode: 0o755 });
  try {
    const blobs = await services.unpackImage(digest, tmp);
    const tree = await layerDirDigest(services.diffUpper, tmp, undefined);
    // A dir in place was renamed there whole by another build of this image (the same digest,
    // so the same tree), which may run steps on it right now: keep it and drop ours.
    const raced = await rename(tmp, dir).then(
      () => false,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
        return true;
      },
    );
    if (raced) await rm(tmp, { recursive: true, force: true });
    finishSnapshot(meta, name, tree, undefined, JSON.stringify(blobs));
    return { layers: [{ dir, blobs }] };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    deleteSnapshot(meta, name);
    throw err;
  }
}

/** runMkdir creates WORKDIR with parents; every directory it creates belongs to the stage's USER when one is set (BuildKit's mkdir -p). */
async function runMkdir(services: OpServices, op: MkdirOp, parent: FsResult): Promise<FsResult> {
  return withWritableStep(services, parent, async (rootfs) => {
    const created = op.user === "" ? [] : await missingPrefixes(services, rootfs, op.path);
    await dirIn(services, rootfs, op.path);
    if (created.length === 0) return;
    const u = await services.resolveUser(rootfs, op.user);
    for (const p of created) {
      const host = await services.resolveInRoot(rootfs, p);
      if (host !== undefined) await chown(host, u.uid, u.gid);
    }
  });
}

/** createOpRunner wires the ops to their services. */
export function createOpRunner(services: OpServices): OpRunner<FsResult> {
  const seen = new Map<Digest, Map<string, string>>();
  return {
    async sourceDigests(vertex: Vertex, signal: AbortSignal): Promise<readonly Digest[]> {
      const op = vertex.op;
      if (op.kind !== "copy") return [];
      const out: Digest[] = [];
      for (const s of op.sources) {
        if (s.kind !== "url" && s.kind !== "git") continue;
        const hashes = seen.get(vertex.digest) ?? new Map<string, string>();
        seen.set(vertex.digest, hashes);
        if (s.kind === "git") out.push(await gitSourceDigest(gitFetchOf(s, op.checksum, op.keepGitDir), services.workRoot, signal, hashes));
        else out.push(await urlSourceDigest(s.url, op.checksum, services.workRoot, signal, hashes));
      }
      return out;
    },
    async run(vertex: Vertex, inputs: readonly ResolvedInput<FsResult>[], ctx: OpContext): Promise<FsResult> {
      const op = vertex.op;
      switch (op.kind) {
        case "scratch":
          return { layers: [] };
        case "image":
          return baseImage(services, op.digest);
        case "exec":
          return runExec(services, op, inputs, ctx);
        case "copy":
          return runCopy(services, op, inputs, ctx, seen.get(vertex.digest));
        case "mkdir":
          return runMkdir(services, op, inputs[0]!.result);
      }
    },
  };
}
