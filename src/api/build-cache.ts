/**
 * Build-cache import and export for a build (`--cache-from` / `--cache-to`, BuildKit's
 * `type=local` cache): parsing the CSV specs, reading the imported caches before the build, and
 * writing the records of the build's steps afterwards (`mode=min`: the steps of the final image;
 * `mode=max`: every step of every stage the target needed).
 */
import type { Digest } from "../core/digest.js";
import { pathWarning } from "../core/diagnostic.js";
import { InputError } from "../core/errors.js";
import type { BuildEventListener } from "../core/events.js";
import { exportCache, type CacheEntry } from "../executor/cache-export.js";
import type { CacheMode } from "../executor/cache-format.js";
import { readCacheDir, type CacheSource } from "../executor/cache-import.js";
import type { ExecuteResult } from "../executor/index.js";
import type { FsResult } from "../executor/ops/types.js";
import type { Plan } from "../planner/plan.js";
import type { Store } from "../store/store.js";

/** CacheExportSpec is one `--cache-to`: a local cache directory and how much to export (default `min`, as BuildKit). */
export interface CacheExportSpec {
  readonly type: "local";
  readonly dest: string;
  readonly mode?: CacheMode;
}

/** CacheImportSpec is one `--cache-from`: a local cache directory written by `--cache-to`. */
export interface CacheImportSpec {
  readonly type: "local";
  readonly src: string;
}

/** fields splits `k=v,k=v` into a map, rejecting unknown keys (a bare word is a registry ref, which tsbuild cannot use). */
function fields(flag: string, spec: string, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of spec.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw new InputError(`${flag} ${JSON.stringify(spec)}: ${JSON.stringify(part)} is not KEY=VALUE; registry caches are not supported, use type=local`);
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1));
  }
  const type = out.get("type") ?? "local";
  if (type !== "local") throw new InputError(`${flag} type=${type} is not supported: tsbuild reads and writes type=local caches`);
  const unknown = [...out.keys()].find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw new InputError(`${flag} ${JSON.stringify(spec)}: unknown key ${JSON.stringify(unknown)} (supported: ${allowed.join(", ")})`);
  return out;
}

/** parseCacheTo parses `type=local,dest=DIR[,mode=min|max]`. */
export function parseCacheTo(spec: string): CacheExportSpec {
  const f = fields("--cache-to", spec, ["type", "dest", "mode"]);
  const dest = f.get("dest");
  if (!dest) throw new InputError(`--cache-to ${JSON.stringify(spec)} needs dest=DIR`);
  const mode = f.get("mode") ?? "min";
  if (mode !== "min" && mode !== "max") throw new InputError(`--cache-to mode=${mode} is not valid: use mode=min or mode=max`);
  return { type: "local", dest, mode };
}

/** parseCacheFrom parses `type=local,src=DIR`. */
export function parseCacheFrom(spec: string): CacheImportSpec {
  const src = fields("--cache-from", spec, ["type", "src"]).get("src");
  if (!src) throw new InputError(`--cache-from ${JSON.stringify(spec)} needs src=DIR`);
  return { type: "local", src };
}

/**
 * readCaches reads every `--cache-from` directory. One that holds no cache yet is skipped with a
 * warning (BuildKit goes on without it too); a malformed one fails the build.
 */
export async function readCaches(specs: readonly CacheImportSpec[], onEvent: BuildEventListener): Promise<CacheSource[]> {
  const out: CacheSource[] = [];
  for (const spec of specs) {
    const source = await readCacheDir(spec.src);
    if (source) out.push(source);
    else onEvent({ type: "diagnostic", time: Date.now(), diagnostic: noCacheWarning(spec.src) });
  }
  return out;
}

function noCacheWarning(src: string) {
  return pathWarning("CacheImportMissing", `--cache-from ${src}: no cache found there (no index.json); building without it`, src);
}

/** cacheEntries lists the records a cache export of `mode` holds: every step's, or those of the final image's lineage. */
export function cacheEntries(plan: Plan, res: ExecuteResult<FsResult>, mode: CacheMode): CacheEntry[] {
  const byDigest = new Map(plan.vertices.map((v) => [v.digest, v]));
  const chosen: Digest[] = [];
  if (mode === "max") chosen.push(...plan.vertices.map((v) => v.digest));
  else for (let d: Digest | undefined = plan.root; d !== undefined; d = byDigest.get(d)?.inputs[0]) chosen.push(d);
  const out: CacheEntry[] = [];
  for (const d of chosen) {
    const key = res.keys.get(d);
    const result = res.results.get(d);
    if (key !== undefined && result !== undefined) out.push({ key, result });
  }
  return out;
}

/** writeCaches exports the build's records to every `--cache-to` directory. */
export async function writeCaches(store: Store, plan: Plan, res: ExecuteResult<FsResult>, specs: readonly CacheExportSpec[]): Promise<void> {
  for (const spec of specs) await exportCache(store, cacheEntries(plan, res, spec.mode ?? "min"), spec.dest);
}
