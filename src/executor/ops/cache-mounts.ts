/**
 * Cache mounts (`RUN --mount=type=cache`, Dockerfile reference "RUN --mount=type=cache"): persistent
 * directories under `<store>/cache-mounts`, found as BuildKit finds them: by the mount's id (default
 * its target), plus the `from` source's cache key and `source` path when it has one (the cache
 * starts as a copy of that directory), or else the mode/uid/gid its root is created with (default
 * 0755, 0:0). `sharing` decides what steps running at the same time get: `shared` the same
 * directory, `private` a directory no running step holds (a new one when all are held), `locked`
 * the same directory, one step at a time. Holds are recorded in the store's metadata, so these
 * rules hold across tsbuild processes building on one store at the same time, as in BuildKit's
 * one daemon; the holds of a process that died are dropped when next looked at.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmod, chown, mkdir, rename, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Digest } from "../../core/digest.js";
import { InputError } from "../../core/errors.js";
import { processStartSync } from "../../core/process.js";
import type { ExecMount } from "../../planner/plan.js";
import type { ResolvedInput } from "../types.js";
import { withReadOnlyView } from "./step.js";
import type { FsResult, OpServices } from "./types.js";

/** CacheDirLease is a cache directory held by one running step; release() lets others have it. */
export interface CacheDirLease {
  /** The host directory to bind at the mount's target (the `source` subdirectory when there is no `from`). */
  readonly path: string;
  release(): void;
}

/** cacheDirName hashes what identifies a cache: id, then the from source or the root's permissions. */
function cacheDirName(m: ExecMount, fromKey: Digest | undefined): string {
  const parts = [m.cacheId ?? m.target];
  if (fromKey !== undefined) parts.push(`from=${fromKey}:${m.source ?? "/"}`);
  else if (m.mode !== undefined || m.uid !== undefined || m.gid !== undefined) parts.push(`perm=${(m.mode ?? 0o755).toString(8)}:${m.uid ?? 0}:${m.gid ?? 0}`);
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}

/** LOCK_POLL_MS is how often a `locked` step waiting for a cache looks again. */
const LOCK_POLL_MS = 50;

/** Holding is one step's hold on a cache directory, recorded in the store's metadata. */
interface Holding {
  readonly dir: string;
  release(): void;
}

/** selfStart is this process's start time, read on the first hold (a `locked` wait holds again every LOCK_POLL_MS). */
let selfStart: string | undefined;

/** alive says whether the process that recorded a hold still runs (the pid not reused since). */
function alive(pid: number, start: string): boolean {
  return processStartSync(pid) === start;
}

/**
 * hold records a hold on `dir` for this process; with `alone`, only when no live step of any
 * tsbuild process on this store holds it (undefined otherwise). Holds of processes that died
 * (a SIGKILLed build) are dropped on the way.
 */
function hold(services: OpServices, dir: string, alone: boolean): Holding | undefined {
  const holder = `${process.pid}-${randomBytes(6).toString("hex")}`;
  selfStart ??= processStartSync(process.pid);
  if (selfStart === undefined) throw new Error(`cannot read this process's start time from /proc/${process.pid}/stat`);
  if (!services.store.meta.holdCacheDir(dir, holder, process.pid, selfStart, alone, alive)) return undefined;
  return { dir, release: () => services.store.meta.releaseCacheDir(holder) };
}

/**
 * acquire picks and holds the directory a step with this sharing mode gets, across every
 * tsbuild process using the store: `shared` the cache itself; `private` the first of the cache
 * and its numbered siblings that nobody holds; `locked` the cache once nobody holds it.
 */
async function acquire(services: OpServices, base: string, sharing: ExecMount["sharing"], signal: AbortSignal): Promise<Holding> {
  if (sharing === "private") {
    for (let n = 0; ; n++) {
      const h = hold(services, n === 0 ? base : `${base}-${n}`, true);
      if (h) return h;
    }
  }
  if (sharing !== "locked") return hold(services, base, false)!;
  for (;;) {
    const h = hold(services, base, true);
    if (h) return h;
    await sleep(LOCK_POLL_MS, undefined, { signal }).catch((err: unknown) => {
      throw signal.aborted ? signal.reason : err;
    });
  }
}

/** exists says whether a path exists; other stat errors propagate. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** fill initializes a new cache directory: a copy of the `from` source, or an empty root with the mount's permissions. */
async function fill(services: OpServices, m: ExecMount, from: FsResult | undefined, dir: string): Promise<void> {
  if (from === undefined) {
    await mkdir(dir);
    await chmod(dir, m.mode ?? 0o755);
    await chown(dir, m.uid ?? 0, m.gid ?? 0);
    return;
  }
  await withReadOnlyView(services, from, async (root) => {
    const src = await services.resolveInRoot(root, m.source ?? "/");
    if (src === undefined || !(await stat(src)).isDirectory()) {
      throw new InputError(`RUN --mount=type=cache,from=...,source=${m.source ?? "/"}: the source is not a directory in the mounted stage or image`);
    }
    await services.copyTree(src, dir);
  });
}

/** create makes `dir` if it is missing, filled in a temporary sibling and renamed into place (a concurrent creator may win). */
async function create(services: OpServices, m: ExecMount, from: FsResult | undefined, dir: string): Promise<void> {
  if (await exists(dir)) return;
  const tmp = `${dir}.new-${randomBytes(6).toString("hex")}`;
  try {
    if (from !== undefined) await mkdir(tmp);
    await fill(services, m, from, tmp);
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
      // Another step created the same cache first: use theirs.
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * leaseCacheDir finds, creates when missing, and holds the cache directory of mount `m` for one
 * step. Paths inside the cache are resolved confined to it, since steps write what they like there.
 */
export async function leaseCacheDir(services: OpServices, m: ExecMount, inputs: readonly ResolvedInput<FsResult>[], signal: AbortSignal): Promise<CacheDirLease> {
  const from = m.input !== undefined ? inputs[m.input] : undefined;
  const root = `${services.store.root}/cache-mounts`;
  await mkdir(root, { recursive: true, mode: 0o700 });
  const held = await acquire(services, `${root}/${cacheDirName(m, from?.key)}`, m.sharing, signal);
  const dir = held.dir;
  try {
    await create(services, m, from?.result, dir);
    const sub = from === undefined && m.source !== undefined ? await services.resolveInRoot(dir, m.source, "dir") : dir;
    if (sub === undefined) throw new InputError(`RUN --mount=type=cache,source=${m.source}: cannot create the source directory inside the cache`);
    return { path: sub, release: () => held.release() };
  } catch (err) {
    held.release();
    throw err;
  }
}
