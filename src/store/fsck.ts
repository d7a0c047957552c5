import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { isDigest, type Digest } from "../core/digest.js";
import { processAlive, reachable } from "./reach.js";
import { checkSnapshots, type SnapshotDigester, type SnapshotProblem } from "./snapshots.js";
import type { Store } from "./store.js";

/** FsckProblem is one thing fsck found wrong; `fixed` says fsck repaired it (stray temp files, stray or corrupt snapshots). */
export interface FsckProblem {
  readonly kind: "corrupt-blob" | "stray-file" | "missing-blob" | "dangling-ref" | "unreadable-manifest" | "stray-temp" | SnapshotProblem["kind"];
  readonly subject: string;
  readonly message: string;
  readonly fixed: boolean;
}

/** FsckReport lists what was checked and what was wrong; `ok` is true when nothing unfixed remains. */
export interface FsckReport {
  readonly blobsChecked: number;
  readonly refsChecked: number;
  /** snapshotsChecked counts the unpacked snapshots whose content was re-hashed. */
  readonly snapshotsChecked: number;
  readonly problems: readonly FsckProblem[];
  readonly ok: boolean;
}

/** STRAY_TEMP_AGE_MS is how old a temp file of a live process must be before fsck calls it stray (a crashed writer's pid may be reused). */
const STRAY_TEMP_AGE_MS = 24 * 3600 * 1000;

/** FsckOptions: `snapshotDigester` re-hashes unpacked snapshots (without it their content is not verified). */
export interface FsckOptions {
  readonly snapshotDigester?: SnapshotDigester;
}

/**
 * fsck re-hashes every blob, checks that every ref and image record resolves to stored manifests
 * whose configs and layers are all present, removes stray temp files (left by a writer that
 * died: its pid is gone, or the file is older than a day), and checks the unpacked snapshots
 * against their records (store/snapshots.ts: stray and changed ones are removed, since they are
 * re-made from blobs). It never changes a blob, ref or image record.
 */
export async function fsck(store: Store, opts: FsckOptions = {}): Promise<FsckReport> {
  const problems: FsckProblem[] = [];
  const digests = await store.blobs.list();
  for (const d of digests) {
    try {
      for await (const _ of await store.blobs.open(d)) void _;
    } catch (err) {
      problems.push({ kind: "corrupt-blob", subject: d, message: (err as Error).message, fixed: false });
    }
  }
  for (const name of await readdirOrEmpty(store.blobs.blobDir)) {
    if (!isDigest(`sha256:${name}`)) problems.push({ kind: "stray-file", subject: join(store.blobs.blobDir, name), message: "file in the blob directory whose name is not a sha256 digest", fixed: false });
  }
  problems.push(...(await checkRefs(store)), ...(await cleanTemp(store)));
  const snapshots = await checkSnapshots(store, opts.snapshotDigester);
  problems.push(...snapshots.problems);
  return { blobsChecked: digests.length, refsChecked: store.meta.listRefs().length, snapshotsChecked: snapshots.checked, problems, ok: problems.every((p) => p.fixed) };
}

async function checkRefs(store: Store): Promise<FsckProblem[]> {
  const problems: FsckProblem[] = [];
  const images = new Set(store.meta.listImages().map((i) => i.digest));
  for (const ref of store.meta.listRefs()) {
    if (!images.has(ref.digest)) problems.push({ kind: "dangling-ref", subject: ref.name, message: `ref ${ref.name} points at ${ref.digest}, which has no image record`, fixed: false });
  }
  for (const img of images) {
    try {
      const { missing } = await reachable(store.blobs, [img]);
      for (const m of missing) problems.push({ kind: "missing-blob", subject: m, message: `image ${img} needs blob ${m}, which is not in the store; pull or load the image again`, fixed: false });
    } catch (err) {
      problems.push({ kind: "unreadable-manifest", subject: img, message: `manifest ${img} cannot be read: ${(err as Error).message}`, fixed: false });
    }
  }
  return problems;
}

async function cleanTemp(store: Store): Promise<FsckProblem[]> {
  const problems: FsckProblem[] = [];
  for (const name of await readdirOrEmpty(store.blobs.tmpDir)) {
    const p = join(store.blobs.tmpDir, name);
    const pid = Number(/^(\d+)-/.exec(name)?.[1] ?? NaN);
    const st = await stat(p);
    const stale = !Number.isInteger(pid) || !processAlive(pid) || Date.now() - st.mtimeMs > STRAY_TEMP_AGE_MS;
    if (!stale || st.isDirectory()) continue;
    await unlink(p);
    problems.push({ kind: "stray-temp", subject: p, message: `removed stray temp file ${p} (${st.size} bytes) left by an interrupted write`, fixed: true });
  }
  return problems;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** liveLeaseIds returns the leases whose process is alive and that have not expired. */
export function liveLeaseIds(store: Store, now = Date.now()): string[] {
  return store.meta.listLeases().filter((l) => l.expiresAt > now && processAlive(l.pid)).map((l) => l.id);
}

/** leasedRoots returns the digests protected by live leases. */
export function leasedRoots(store: Store): Set<Digest> {
  return store.meta.leasedDigests(liveLeaseIds(store));
}
