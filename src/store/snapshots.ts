// Unpacked snapshots: directories under `<root>/layers` that hold image content as files (a base
// image unpacked flattened, or one build step's layer in overlay upper format). Each is recorded in
// meta.db's `snapshots` table: first as pending (the writing process's pid, before the directory
// gets its final name), then as ready with the digest its content must reproduce. That digest is
// the sha256 of the layer tar tsbuild's own writer makes of the directory (see the api's fsck), so
// a record can be checked at any time without keeping a second copy of the tree.
import { randomBytes } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import { parseDigest, type Digest } from "../core/digest.js";
import type { MetaStore } from "./meta.js";
import { processAlive } from "./reach.js";
import type { Store } from "./store.js";

/** SnapshotKind: `image` is a base image unpacked flattened (subject: manifest digest); `layer` is one step's layer (subject: diffID). */
export type SnapshotKind = "image" | "layer";

/** SnapshotRecord describes one snapshot directory `<root>/layers/<name>`. */
export interface SnapshotRecord {
  readonly name: string;
  readonly kind: SnapshotKind;
  readonly subject: Digest;
  /** digest is what the directory's layer tar hashes to (for a `layer`, its diffID); absent while pending. */
  readonly digest?: Digest;
  /** epoch is the SOURCE_DATE_EPOCH the layer tar clamps mtimes to, when one was used. */
  readonly epoch?: number;
  /** info is the creator's JSON (for an `image`: its layer blobs). */
  readonly info: string;
  readonly pid: number;
  readonly ready: boolean;
  readonly createdAt: number;
}

/** SNAPSHOT_PERMANENT names directories under layers/ that are not snapshots and never stray (the empty lower). */
export const SNAPSHOT_PERMANENT: ReadonlySet<string> = new Set(["empty"]);

/** snapshotRoot is the directory holding the store's snapshot directories. */
export function snapshotRoot(store: Pick<Store, "root">): string {
  return `${store.root}/layers`;
}

/** snapshotTempName names a directory a process unpacks into before the rename; fsck knows it by the pid. */
export function snapshotTempName(kind: string, pid = process.pid): string {
  return `tmp-${kind}-${pid}-${randomBytes(6).toString("hex")}`;
}

type Row = Record<string, unknown>;

function toRecord(r: Row): SnapshotRecord {
  return {
    name: String(r.name),
    kind: String(r.kind) as SnapshotKind,
    subject: parseDigest(String(r.subject)),
    ...(r.digest === null ? {} : { digest: parseDigest(String(r.digest)) }),
    ...(r.epoch === null ? {} : { epoch: Number(r.epoch) }),
    info: String(r.info),
    pid: Number(r.pid),
    ready: Number(r.ready) === 1,
    createdAt: Number(r.created_at),
  };
}

/** beginSnapshot records `name` as pending, owned by this process, replacing any earlier record of it. */
export function beginSnapshot(meta: MetaStore, name: string, kind: SnapshotKind, subject: Digest, now = Date.now()): void {
  meta.db.prepare(`INSERT INTO snapshots (name, kind, subject, digest, epoch, info, pid, ready, created_at) VALUES (?, ?, ?, NULL, NULL, '', ?, 0, ?)
    ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, subject = excluded.subject, digest = NULL, epoch = NULL, info = '', pid = excluded.pid, ready = 0, created_at = excluded.created_at`).run(name, kind, subject, process.pid, now);
}

/** finishSnapshot marks `name` ready: its directory is in place and its layer tar hashes to `digest`. */
export function finishSnapshot(meta: MetaStore, name: string, digest: Digest, epoch: number | undefined, info: string): void {
  meta.db.prepare("UPDATE snapshots SET digest = ?, epoch = ?, info = ?, ready = 1 WHERE name = ?").run(digest, epoch ?? null, info, name);
}

/** getSnapshot returns the record of `name`, or undefined. */
export function getSnapshot(meta: MetaStore, name: string): SnapshotRecord | undefined {
  const row = meta.db.prepare("SELECT * FROM snapshots WHERE name = ?").get(name) as Row | undefined;
  return row ? toRecord(row) : undefined;
}

/** listSnapshots returns every record, by name. */
export function listSnapshots(meta: MetaStore): SnapshotRecord[] {
  return (meta.db.prepare("SELECT * FROM snapshots ORDER BY name").all() as Row[]).map(toRecord);
}

/** deleteSnapshot drops the record of `name` (the caller removes the directory). */
export function deleteSnapshot(meta: MetaStore, name: string): void {
  meta.db.prepare("DELETE FROM snapshots WHERE name = ?").run(name);
}

/** SnapshotDigester makes the layer tar of a snapshot directory and returns its sha256 (mtimes clamped to epoch when given). */
export type SnapshotDigester = (dir: string, epoch: number | undefined) => Promise<Digest>;

/** SnapshotProblem is one finding of checkSnapshots; `fixed` says the directory or record was removed. */
export interface SnapshotProblem {
  readonly kind: "corrupt-snapshot" | "missing-snapshot" | "stray-snapshot";
  readonly subject: string;
  readonly message: string;
  readonly fixed: boolean;
}

const tempPid = (name: string): number | undefined => {
  const m = /^tmp-[a-z]+-(\d+)-/.exec(name);
  return m ? Number(m[1]) : undefined;
};

/**
 * removeSnapshotsExcept removes every ready snapshot (directory and record) whose name is not in
 * `keep`, and returns how many it removed. Pending ones are left to their process (or to fsck).
 */
export async function removeSnapshotsExcept(store: Store, keep: ReadonlySet<string>): Promise<number> {
  const root = snapshotRoot(store);
  let removed = 0;
  for (const r of listSnapshots(store.meta)) {
    if (!r.ready || keep.has(r.name) || SNAPSHOT_PERMANENT.has(r.name)) continue;
    await rm(`${root}/${r.name}`, { recursive: true, force: true });
    deleteSnapshot(store.meta, r.name);
    removed++;
  }
  return removed;
}

/**
 * checkSnapshots compares the snapshot directories with their records. A ready record whose
 * directory is gone is dropped; one whose directory no longer hashes to its digest (`digester`,
 * when given) is removed with its directory, since snapshots are re-made from blobs on demand
 * (builds treat a missing one as a cache miss). Pending records and temp directories of live
 * processes are left alone; those of dead processes, and directories without any record, are
 * stray and removed. Returns the findings and how many snapshots were verified.
 */
export async function checkSnapshots(store: Store, digester: SnapshotDigester | undefined): Promise<{ checked: number; problems: SnapshotProblem[] }> {
  const root = snapshotRoot(store);
  const problems: SnapshotProblem[] = [];
  const records = new Map(listSnapshots(store.meta).map((r) => [r.name, r]));
  let checked = 0;
  for (const r of records.values()) {
    const dir = `${root}/${r.name}`;
    const present = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!r.ready) {
      if (processAlive(r.pid)) continue;
      if (present) await rm(dir, { recursive: true, force: true });
      deleteSnapshot(store.meta, r.name);
      problems.push({ kind: "stray-snapshot", subject: dir, message: `removed snapshot ${dir} left unfinished by process ${r.pid}, which is gone`, fixed: true });
    } else if (!present) {
      deleteSnapshot(store.meta, r.name);
      problems.push({ kind: "missing-snapshot", subject: dir, message: `snapshot ${dir} of ${r.kind} ${r.subject} is gone; dropped its record (it is re-made when needed)`, fixed: true });
    } else if (digester && r.digest) {
      checked++;
      const got = await digester(dir, r.epoch);
      if (got === r.digest) continue;
      await rm(dir, { recursive: true, force: true });
      deleteSnapshot(store.meta, r.name);
      problems.push({ kind: "corrupt-snapshot", subject: dir, message: `snapshot ${dir} of ${r.kind} ${r.subject} was changed: its content hashes to ${got}, not ${r.digest}; removed it (it is re-made from the image's blobs when needed)`, fixed: true });
    }
  }
  problems.push(...(await strayDirs(root, records)));
  return { checked, problems };
}

async function strayDirs(root: string, records: ReadonlyMap<string, SnapshotRecord>): Promise<SnapshotProblem[]> {
  const problems: SnapshotProblem[] = [];
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  for (const name of names) {
    if (records.has(name) || SNAPSHOT_PERMANENT.has(name)) continue;
    const pid = tempPid(name);
    if (pid !== undefined && processAlive(pid)) continue;
    const p = `${root}/${name}`;
    await rm(p, { recursive: true, force: true });
    problems.push({ kind: "stray-snapshot", subject: p, message: `removed ${p}: no snapshot record names it (left by an interrupted unpack or an older tsbuild)`, fixed: true });
  }
  return problems;
}
