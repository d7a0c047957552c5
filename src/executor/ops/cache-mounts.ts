/**
 * Cache mounts (`RUN --mount=type=cache`, Dockerfile reference "RUN --mount=type=cache"): persistent
 * directories under `<store>/cache-mounts`, found as BuildKit finds them: by the mount's id (default
 * its target), plus the `from` source's cache key and `source` path when it has one (the cache
 * starts as a copy of that directory), or else the mode/uid/gid its root is created with (default
 * 0755, 0:0). `sharing` decides what steps running at the same time get: `shared` the same
 * directory, `private` a directory no running step holds (a new one when all are held), `locked`
 * the same directory, one step at a time.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmod, chown, mkdir, rename, rm, stat } from "node:fs/promises";
import type { Digest } from "../../core/digest.js";
import { InputError } from "../../core/errors.js";
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

// Deviation: holders are counted per tsbuild process; two tsbuild processes building on one store
// at once share `private` and `locked` caches as if `shared` (BuildKit is one daemon); see DEVIATIONS.md.
const holders = new Map<string, number>();
const waiters = new Map<string, (() => void)[]>();

/** cacheDirName hashes what identifies a cache: id, then the from source or the root's permissions. */
function cacheDirName(m: ExecMount, fromKey: Digest | undefined): string {
  const parts = [m.cacheId ?? m.target];
  if (fromKey !== undefined) parts.push(`from=${fromKey}:${m.source ?? "/"}`);
  else if (m.mode !== undefined || m.uid !== undefined || m.gid !== undefined) parts.push(`perm=${(m.mode ?? 0o755).toString(8)}:${m.uid ?? 0}:${m.gid ?? 0}`);
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}

function hold(dir: string): void {
  holders.set(dir, (holders.get(dir) ?? 0) + 1);
}

function letGo(dir: string): void {
  const n = (holders.get(dir) ?? 1) - 1;
  if (n > 0) return void holders.set(dir, n);
  holders.delete(dir);
  const wake = waiters.get(dir) ?? [];
  waiters.delete(dir);
  for (const w of wake) w();
}

/** untilFree resolves once no step holds `dir`, or rejects when `signal` aborts first. */
function untilFree(dir: string, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      waiters.set(dir, (waiters.get(dir) ?? []).filter((w) => w !== wake));
      reject(signal.reason);
    };
    const wake = (): void => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    waiters.set(dir, [...(waiters.get(dir) ?? []), wake]);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** acquire picks and holds the directory a step with this sharing mode gets. */
async function acquire(base: string, sharing: ExecMount["sharing"], signal: AbortSignal): Promise<string> {
  if (sharing === "private") {
    let n = 0;
    while ((holders.get(n === 0 ? base : `${base}-${n}`) ?? 0) > 0) n++;
    const dir = n === 0 ? base : `${base}-${n}`;
    hold(dir);
    return dir;
  }
  if (sharing === "locked") while ((holders.get(base) ?? 0) > 0) await untilFree(base, signal);
  hold(base);
  return base;
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
  const dir = await acquire(`${root}/${cacheDirName(m, from?.key)}`, m.sharing, signal);
  try {
    await create(services, m, from?.result, dir);
    const sub = from === undefined && m.source !== undefined ? await services.resolveInRoot(dir, m.source, "dir") : dir;
    if (sub === undefined) throw new InputError(`RUN --mount=type=cache,source=${m.source}: cannot create the source directory inside the cache`);
    return { path: sub, release: () => letGo(dir) };
  } catch (err) {
    letGo(dir);
    throw err;
  }
}
