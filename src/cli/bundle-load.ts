/**
 * Loads one of the bundled CLI's programs (dist/cli/bundle/*.cjs, written by
 * scripts/bundle-cli.mjs) as a script compiled with V8's code cache. Node 20 cannot cache the
 * compilation of ES modules, but a script compiled with `vm.Script` can take `cachedData`: V8
 * then skips parsing and compiling every function the cache holds. The cache is made after the
 * command ran (so it holds the functions compiled lazily while it ran, not just the top level)
 * and is written only when it is missing, was rejected (another Node or V8 flags), or does not
 * yet cover this command. It is an optimization only: any failure to read or write it leaves
 * the command to compile as without it.
 */
import type { Stats } from "node:fs";
import type { Script as VmScript } from "node:vm";

// Builtins are taken with process.getBuiltinModule rather than imported: an ES import of a
// builtin builds its module facade, which reads every export (node:fs's `promises` getter alone
// loads fs/promises, readline and the streams).
const { accessSync, closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } = process.getBuiltinModule("node:fs");
const { createRequire } = process.getBuiltinModule("node:module");
const { basename, dirname, join } = process.getBuiltinModule("node:path");
const { pathToFileURL } = process.getBuiltinModule("node:url");
const { Script } = process.getBuiltinModule("node:vm");

/** BundleHost is what the ES module loader gives a bundle: its URL and a way to load ES-only packages. */
export interface BundleHost {
  /** url is the bundle's file URL (its `import.meta.url`). */
  readonly url: string;
  /** preload imports ES-only packages (ink) so that the bundle's require() of them returns them. */
  preload(ids: readonly string[]): Promise<void>;
}

/** CacheHeader is the first line of a cache file: what it was made for. */
interface CacheHeader {
  readonly size: number;
  readonly mtimeMs: number;
  readonly labels: readonly string[];
}

/** MAX_LABELS bounds how many command labels refresh one cache (each costs one write). */
const MAX_LABELS = 40;

/** STALE_MS is the age after which a per-user cache dir's other files are removed when one is written. */
const STALE_MS = 30 * 24 * 3600 * 1000;

/** userCacheDir is $XDG_CACHE_HOME/tsbuild or ~/.cache/tsbuild; undefined without either. */
function userCacheDir(): string | undefined {
  const xdg = process.env["XDG_CACHE_HOME"];
  if (xdg !== undefined && xdg.startsWith("/")) return join(xdg, "tsbuild");
  const home = process.env["HOME"] ?? process.getBuiltinModule("node:os").homedir();
  return home.startsWith("/") ? join(home, ".cache", "tsbuild") : undefined;
}

/** cacheDirFor is where the cache of `bundle` lives: next to it when that dir is writable, else the user's cache dir. */
function cacheDirFor(bundle: string): string | undefined {
  try {
    accessSync(dirname(bundle), constants.W_OK);
    return dirname(bundle);
  } catch {
    // Not writable (an install owned by another user, a read-only file system): the user's own.
    return userCacheDir();
  }
}

/** cachePathFor names the cache of `bundle` for this Node and architecture (the bundle's name carries its digest). */
function cachePathFor(bundle: string, dir: string): string {
  return join(dir, `${basename(bundle)}.${process.version}-${process.arch}.v8cache`);
}

/** readCache returns a cache file's header and V8 data when it was made for `bundle` as it is now and is trusted. */
function readCache(path: string, bundle: Stats): { header: CacheHeader; data: Buffer } | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    // Missing (the first run) or unreadable: compiled without it, and written afterwards.
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    // Code from the cache runs as this process: only a file of this user, of the bundle's owner
    // (who controls the code anyway) or of root, writable by nobody else, is used.
    if ((st.uid !== process.geteuid?.() && st.uid !== bundle.uid && st.uid !== 0) || (st.mode & 0o022) !== 0) return undefined;
    const bytes = readFileSync(fd);
    const nl = bytes.indexOf(10);
    const header = JSON.parse(bytes.subarray(0, nl).toString("utf8")) as CacheHeader;
    if (header.size !== bundle.size || header.mtimeMs !== bundle.mtimeMs || !Array.isArray(header.labels)) return undefined;
    return { header, data: bytes.subarray(nl + 1) };
  } catch {
    // Not a cache file of this format (cut short, or from elsewhere): written again.
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** removeStale removes other caches older than STALE_MS from a per-user cache dir (of other tsbuild or Node versions, or left half-written). */
function removeStale(dir: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (p !== keep && /\.v8cache(\.\d+\.tmp)?$/.test(name) && now - statSync(p).mtimeMs > STALE_MS) unlinkSync(p);
  }
}

/**
 * writeCache writes `script`'s code cache atomically; any failure only means no cache. The
 * temporary file is made first (O_EXCL), so that an unwritable dir costs no cache creation.
 */
function writeCache(path: string, script: VmScript, header: CacheHeader, bundleDir: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  let made = false;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, "wx", 0o644);
    made = true;
    try {
      writeFileSync(fd, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), script.createCachedData()]));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    if (dirname(path) !== bundleDir) removeStale(dirname(path), path);
  } catch {
    // A full disk, a read-only or foreign cache dir: the command still succeeded, and the next
    // run compiles without a cache again.
    if (made) rmSync(tmp, { force: true });
  }
}

/** preloaded holds the ES-only packages a bundle asked for, served by its require(). */
const preloaded = new Map<string, unknown>();

/** host is the BundleHost of `file`. */
function hostFor(file: string): BundleHost {
  const preload = async (ids: readonly string[]): Promise<void> => {
    for (const id of ids) if (!preloaded.has(id)) preloaded.set(id, await import(id));
  };
  return { url: pathToFileURL(file).href, preload };
}

/** labelsAfter is the cache's labels after this run, or undefined when the cache needs no write. */
function labelsAfter(cache: { header: CacheHeader } | undefined, rejected: boolean, label: string): string[] | undefined {
  if (cache === undefined || rejected) return [label];
  const labels = cache.header.labels;
  return labels.includes(label) || labels.length >= MAX_LABELS ? undefined : [...labels, label];
}

/**
 * loadBundle runs the CommonJS bundle `file` and returns its exports. `label` names, when the
 * process exits, the command that ran: a cache made by other commands is refreshed once to hold
 * this one's code too.
 */
export function loadBundle(file: string, label: () => string): Record<string, unknown> {
  const fd = openSync(file, "r");
  let source: string;
  let st: Stats;
  try {
    st = fstatSync(fd);
    // The bundles are ASCII (scripts/bundle-cli.mjs): latin1 makes a one-byte string without decoding.
    source = readFileSync(fd, "latin1");
  } finally {
    closeSync(fd);
  }
  const dir = cacheDirFor(file);
  const path = dir !== undefined ? cachePathFor(file, dir) : undefined;
  const cache = path !== undefined ? readCache(path, st) : undefined;
  // The bundle is a function expression: (function (exports, require, module, __filename, __dirname, __tsbuild) {...}).
  const script = new Script(source, { filename: file, ...(cache && { cachedData: cache.data }) });
  const rejected = script.cachedDataRejected === true;
  process.once("exit", () => {
    const labels = path !== undefined ? labelsAfter(cache, rejected, label()) : undefined;
    if (path !== undefined && labels !== undefined) writeCache(path, script, { size: st.size, mtimeMs: st.mtimeMs, labels }, dirname(file));
  });
  // Builtins come straight from process.getBuiltinModule, without the CommonJS loader; packages
  // (better-sqlite3's addon) through a require() of the bundle's own, made on first use.
  let base: NodeJS.Require | undefined;
  const require = (id: string): unknown => preloaded.get(id) ?? process.getBuiltinModule(id) ?? (base ??= createRequire(file))(id);
  const module = { exports: {} as Record<string, unknown> };
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  fn.call(module.exports, module.exports, require, module, file, dirname(file), hostFor(file));
  return module.exports;
}
