/**
 * What starting a container needs from its image: the manifest digest, the config's run part
 * (Entrypoint, Cmd, Env, WorkingDir, User, StopSignal ...) and the unpacked layer dirs. The first
 * start of an image reads, validates and unpacks it (run-image-unpack.ts, loaded only then) and
 * caches the answer in `<store>/run-cache/<hex>.json`, so later starts read one small file
 * instead of parsing and hashing the manifest and config again.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type BigIntStats } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { hexOf, type Digest } from "../core/digest.js";
import type { ImageConfig } from "../image/oci.js";
import { resolveImage } from "../image/resolve.js";
import { NotFoundError } from "../store/errors.js";
import type { Store } from "../store/store.js";
import type { RuntimeName } from "./drivers.js";
import { randomHex } from "../core/random.js";

/** RunConfig is the `config` part of an image config: how containers of the image run. */
export type RunConfig = NonNullable<ImageConfig["config"]>;

/** RunImage is an image ready to start: `lowers` are its unpacked layer dirs, top first. */
export interface RunImage {
  readonly digest: Digest;
  readonly config: RunConfig;
  readonly lowers: readonly string[];
}

/**
 * TOUCH_INTERVAL_MS: an image's last-used time is rewritten at most this often by container
 * starts. Prune works in hours and days, and skipping the write keeps a start from committing
 * (and syncing) the store's database at all.
 */
const TOUCH_INTERVAL_MS = 60_000;

/** CACHE_VERSION changes whenever the cache record's shape does; other versions are ignored. */
const CACHE_VERSION = 1;

/** runCacheDir holds the start-cache records of the store at `root` (a dir of its own: fsck removes whatever is no snapshot from layers/). */
function runCacheDir(root: string): string {
  return `${root}/run-cache`;
}

/** cachePath is the cache record of image `digest`. */
function cachePath(root: string, digest: Digest): string {
  return `${runCacheDir(root)}/${hexOf(digest)}.json`;
}

/**
 * readRecord reads the start-cache record of `digest` when it is one of this version; undefined
 * when it is missing, stale or not ours. The one small read is synchronous, as are the checks of
 * cachedRunImage: cheaper than thread-pool round trips at every start.
 */
async function readRecord(root: string, digest: Digest): Promise<RunImage | undefined> {
  let rec: { version?: unknown; digest?: unknown; config?: unknown; lowers?: unknown };
  try {
    rec = JSON.parse(readFileSync(cachePath(root, digest), "utf8")) as typeof rec;
  } catch (err) {
    // Missing (never started, or an older tsbuild) or unreadable: the image is read in full instead.
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || err instanceof SyntaxError) return undefined;
    throw err;
  }
  const lowers = rec.lowers;
  const valid = rec.version === CACHE_VERSION && rec.digest === digest && typeof rec.config === "object" && rec.config !== null && Array.isArray(lowers) && lowers.every((l) => typeof l === "string" && l.startsWith("/"));
  return valid ? { digest, config: rec.config as RunConfig, lowers: lowers as string[] } : undefined;
}

/** isDir says whether `path` is a directory; any error (missing, unreadable) says no: the image is then read in full. */
function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // Whatever the reason, the record cannot be trusted: the full read decides.
    return false;
  }
}

/** cachedRunImage reads the cache record of `digest`; undefined when it is missing, stale, not ours, or a layer dir it names is gone. */
async function cachedRunImage(root: string, digest: Digest): Promise<RunImage | undefined> {
  const rec = await readRecord(root, digest);
  if (!rec) return undefined;
  for (const dir of rec.lowers) {
    if (!isDir(dir)) return undefined;
  }
  return rec;
}

/**
 * keepRunCaches removes the start-cache records of every image not in `wanted` and returns the
 * layer dirs the remaining ones name (for prune, which keeps those snapshots).
 */
export async function keepRunCaches(store: Store, wanted: ReadonlySet<Digest>): Promise<string[]> {
  const files = await readdir(runCacheDir(store.root)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
  const lowers: string[] = [];
  for (const f of files.filter((n) => n.endsWith(".json"))) {
    const digest = `sha256:${f.slice(0, -".json".length)}` as Digest;
    if (wanted.has(digest)) lowers.push(...((await readRecord(store.root, digest))?.lowers ?? []));
    else await rm(`${runCacheDir(store.root)}/${f}`, { force: true });
  }
  // The name lookups go too (prune changes the database anyway, which ends them all).
  await rm(refCacheDir(store.root), { recursive: true, force: true });
  return lowers;
}

/** cacheRunImage records `image` for later starts (temp file and rename, so readers see all or nothing). */
export async function cacheRunImage(store: Store, image: RunImage): Promise<void> {
  const path = cachePath(store.root, image.digest);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomHex(4)}.tmp`;
  await writeFile(tmp, JSON.stringify({ version: CACHE_VERSION, ...image }));
  await rename(tmp, path);
}

/**
 * imageForRun returns image `digest` ready to start, from the cache or by reading and unpacking
 * it (`runtime` is the driver the unpacking services are set up for), and records that the image
 * was used now.
 */
export async function imageForRun(store: Store, digest: Digest, runtime: RuntimeName | "auto"): Promise<RunImage> {
  const cached = await cachedRunImage(store.root, digest);
  if (cached) {
    const rec = store.meta.getImage(digest);
    if (!rec) throw new NotFoundError(`no image with manifest ${digest} in the store`);
    const now = Date.now();
    if (now - rec.lastUsed >= TOUCH_INTERVAL_MS) store.meta.touchImage(digest, now);
    return cached;
  }
  const { unpackRunImage } = await import("./run-image-unpack.js");
  return unpackRunImage(store, digest, runtime);
}

/** resolveRunImage resolves the user's reference `ref` and returns the image ready to start. */
export async function resolveRunImage(store: Store, ref: string, runtime: RuntimeName | "auto"): Promise<RunImage> {
  return imageForRun(store, resolveImage(store, ref), runtime);
}

/*
 * The name lookups of starts. A start of an image already started recently needs nothing from
 * the store's database but the digest its name points at: `<store>/run-cache/refs/` keeps, per
 * name, that digest with the state of the database's files (meta.db and its WAL: inode, size,
 * modification and change times) when it was read. Every commit to the database changes its WAL
 * or, at a checkpoint, meta.db, so a lookup whose state still matches cannot be stale; a state is
 * recorded only when both files last changed over SETTLE_MS before (the kernel's timestamps are
 * coarse: a later commit then always gets another time) and did not change while the name was
 * read. A start that finds one skips opening the database (the native module, the schema checks
 * and the queries: ~4 ms); the image's last-used time, kept along, still reaches the database
 * every TOUCH_INTERVAL_MS through the full lookup.
 */

/** REF_CACHE_VERSION changes whenever a name record's shape does; other versions are ignored. */
const REF_CACHE_VERSION = 1;

/** SETTLE_MS is how long ago the database's files must have last changed for their state to be recorded. */
const SETTLE_MS = 1000;

/** refCacheDir holds the name records. */
function refCacheDir(root: string): string {
  return `${runCacheDir(root)}/refs`;
}

/** refCachePath is the record of name `ref`: named by a hash of it (the record holds the name itself). */
function refCachePath(root: string, ref: string): string {
  let h = 0x811c9dc5;
  let g = 0x050c5d1f;
  for (let i = 0; i < ref.length; i++) {
    h = Math.imul(h ^ ref.charCodeAt(i), 0x01000193);
    g = Math.imul(g ^ ref.charCodeAt(i), 0x01000193);
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
  return `${refCacheDir(root)}/${hex(h)}${hex(g)}.json`;
}

/** dbState is the state of the database's files at `root` (see above), or undefined when either changed within SETTLE_MS of `now` or cannot be read. */
export function dbState(root: string, now: number): string | undefined {
  const parts: string[] = [];
  for (const name of ["meta.db", "meta.db-wal"]) {
    let st: BigIntStats;
    try {
      st = statSync(`${root}/${name}`, { bigint: true });
    } catch (err) {
      // No WAL file (every connection closed): that is a state too; anything else is not trusted.
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && name !== "meta.db") {
        parts.push("-");
        continue;
      }
      return undefined;
    }
    const changed = Number((st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs) / 1_000_000n);
    if (now - changed < SETTLE_MS) return undefined;
    parts.push(`${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`);
  }
  return parts.join("|");
}

/** readRef returns the digest and last-used time recorded for `ref`, when the record is this version's, names `ref` and matches the database's state now. */
function readRef(root: string, ref: string, now: number): { digest: Digest; lastUsed: number } | undefined {
  const state = dbState(root, now);
  if (state === undefined) return undefined;
  let rec: { version?: unknown; ref?: unknown; state?: unknown; digest?: unknown; lastUsed?: unknown };
  try {
    rec = JSON.parse(readFileSync(refCachePath(root, ref), "utf8")) as typeof rec;
  } catch (err) {
    // Missing (never started) or unreadable: the full lookup answers and records it.
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || err instanceof SyntaxError) return undefined;
    throw err;
  }
  if (rec.version !== REF_CACHE_VERSION || rec.ref !== ref || rec.state !== state || typeof rec.digest !== "string" || !/^sha256:[a-f0-9]{64}$/.test(rec.digest) || typeof rec.lastUsed !== "number") return undefined;
  return { digest: rec.digest as Digest, lastUsed: rec.lastUsed };
}

/** writeRef records `ref`'s digest and last-used time under database state `state` (temp file and rename). */
function writeRef(root: string, ref: string, digest: Digest, lastUsed: number, state: string): void {
  const path = refCachePath(root, ref);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomHex(4)}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: REF_CACHE_VERSION, ref, state, digest, lastUsed }));
  renameSync(tmp, path);
}

/**
 * runImageByRef returns the image the user's reference `ref` names, ready to start, from the
 * store at `root`: from the name and start records alone when they answer (see above), else by
 * the full lookup in the store `open` opens (and closes again), recording the name afterwards.
 */
export async function runImageByRef(root: string, open: () => Store, ref: string, runtime: RuntimeName | "auto"): Promise<RunImage> {
  const now = Date.now();
  const hit = readRef(root, ref, now);
  if (hit && now - hit.lastUsed < TOUCH_INTERVAL_MS) {
    const image = await cachedRunImage(root, hit.digest);
    if (image) return image;
  }
  const before = dbState(root, now);
  const store = open();
  let image: RunImage;
  let lastUsed: number | undefined;
  try {
    image = await resolveRunImage(store, ref, runtime);
    lastUsed = store.meta.getImage(image.digest)?.lastUsed;
  } finally {
    store.close();
  }
  // Recorded only when nothing changed the database meanwhile (this lookup's own touch included).
  if (before !== undefined && lastUsed !== undefined && dbState(root, Date.now()) === before) writeRef(root, ref, image.digest, lastUsed, before);
  return image;
}
