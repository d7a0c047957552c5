/**
 * withAddon wraps better-sqlite3's Database constructor so that it loads the native addon from
 * the package's own build dir, skipping the `bindings` package's search of a dozen candidate
 * paths on every start. An addon installed elsewhere is still found by that search.
 */
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

/** addonPath is the addon's usual place, or undefined when it lies elsewhere. */
function addonPath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve("better-sqlite3/build/Release/better_sqlite3.node");
  } catch (err) {
    // Not built there (a prebuilt or debug addon): better-sqlite3 searches for it itself.
    if ((err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") return undefined;
    throw err;
  }
}

/** withAddon returns a Database constructor that passes the addon's path unless the caller gives one. */
export function withAddon(base: typeof BetterSqlite3): typeof BetterSqlite3 {
  const nativeBinding = addonPath();
  if (nativeBinding === undefined) return base;
  const Base = base as unknown as new (file?: string | Buffer, options?: BetterSqlite3.Options) => object;
  class Database extends Base {
    constructor(file?: string | Buffer, options: BetterSqlite3.Options = {}) {
      super(file, { nativeBinding, ...options });
    }
  }
  return Database as unknown as typeof BetterSqlite3;
}
