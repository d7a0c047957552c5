/**
 * withAddon wraps better-sqlite3's Database constructor so that it gets the native addon loaded
 * from the package's own build dir: found with a stat per directory level and opened with
 * process.dlopen when the first database opens. That skips the `bindings` package's search of a
 * dozen candidate paths, and also Node's module resolution and loader (package.json reads, a
 * realpath of every path component), about a millisecond of every command's start. An addon
 * installed elsewhere is still found by better-sqlite3's own search.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type BetterSqlite3 from "better-sqlite3";
import { dlopenFile, fileAbove } from "../core/native.js";

/** ADDON is the addon's path inside the better-sqlite3 package. */
const ADDON = "better-sqlite3/build/Release/better_sqlite3.node";

/**
 * addonFile is the addon where Node would resolve `better-sqlite3/build/Release/...` from `from`
 * (a directory): in node_modules of `from` and of each directory above it, the nearest first.
 * better-sqlite3 has no "exports" map, so a subpath resolves as this plain file lookup does.
 * Undefined when there is none.
 */
export function addonFile(from: string): string | undefined {
  return fileAbove(from, `node_modules/${ADDON}`);
}

/** addon is the loaded addon, once the first database opened. */
let addon: object | undefined;

/** withAddon returns a Database constructor that passes the addon unless the caller gives one. */
export function withAddon(base: typeof BetterSqlite3): typeof BetterSqlite3 {
  const found = addonFile(dirname(fileURLToPath(import.meta.url)));
  if (found === undefined) return base;
  const file = found;
  const Base = base as unknown as new (file?: string | Buffer, options?: BetterSqlite3.Options) => object;
  class Database extends Base {
    constructor(path?: string | Buffer, options: BetterSqlite3.Options = {}) {
      // better-sqlite3 takes the addon object itself as nativeBinding too (its types say only a path).
      super(path, { nativeBinding: (addon ??= dlopenFile(file)) as unknown as string, ...options });
    }
  }
  return Database as unknown as typeof BetterSqlite3;
}
