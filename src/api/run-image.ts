/**
 * What starting a container needs from its image: the manifest digest, the config's run part
 * (Entrypoint, Cmd, Env, WorkingDir, User, StopSignal ...) and the unpacked layer dirs. The first
 * start of an image reads, validates and unpacks it (run-image-unpack.ts, loaded only then) and
 * caches the answer in `<store>/run-cache/<hex>.json`, so later starts read one small file
 * instead of parsing and hashing the manifest and config again.
 */
import { readFileSync, statSync } from "node:fs";
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

/** runCacheDir holds the start-cache records (a dir of its own: fsck removes whatever is no snapshot from layers/). */
function runCacheDir(store: Store): string {
  return `${store.root}/run-cache`;
}

/** cachePath is the cache record of image `digest`. */
function cachePath(store: Store, digest: Digest): string {
  return `${runCacheDir(store)}/${hexOf(digest)}.json`;
}

/**
 * readRecord reads the start-cache record of `digest` when it is one of this version; undefined
 * when it is missing, stale or not ours. The one small read is synchronous, as are the checks of
 * cachedRunImage: cheaper than thread-pool round trips at every start.
 */
async function readRecord(store: Store, digest: Digest): Promise<RunImage | undefined> {
  let rec: { version?: unknown; digest?: unknown; config?: unknown; lowers?: unknown };
  try {
    rec = JSON.parse(readFileSync(cachePath(store, digest), "utf8")) as typeof rec;
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
async function cachedRunImage(store: Store, digest: Digest): Promise<RunImage | undefined> {
  const rec = await readRecord(store, digest);
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
  const files = await readdir(runCacheDir(store)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
  const lowers: string[] = [];
  for (const f of files.filter((n) => n.endsWith(".json"))) {
    // An image's rootfs facts (run-facts.ts) go with its record.
    const facts = f.endsWith(".facts.json");
    const digest = `sha256:${f.slice(0, -(facts ? ".facts.json" : ".json").length)}` as Digest;
    if (!wanted.has(digest)) await rm(`${runCacheDir(store)}/${f}`, { force: true });
    else if (!facts) lowers.push(...((await readRecord(store, digest))?.lowers ?? []));
  }
  return lowers;
}

/** cacheRunImage records `image` for later starts (temp file and rename, so readers see all or nothing). */
export async function cacheRunImage(store: Store, image: RunImage): Promise<void> {
  const path = cachePath(store, image.digest);
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
  const cached = await cachedRunImage(store, digest);
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
