/**
 * sqlite.ts loads better-sqlite3 for the store's databases (meta.db, hashcache.db). The package is
 * CommonJS: loading it with require() skips the ESM loader's scan of its exports, which otherwise
 * costs a large share of a CLI command's start-up. The bundled CLI uses sqlite-bundled.ts
 * instead (scripts/bundle-cli.mjs), which has esbuild bundle the package's JavaScript.
 */
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import { withAddon } from "./sqlite-addon.js";

/** loaded is better-sqlite3's constructor once the first database was opened. */
let loaded: typeof BetterSqlite3 | undefined;

/**
 * Database is better-sqlite3's constructor, loaded when the first database is opened: a program
 * that imports tsbuild for what needs no store (parsing, linting) does not load the package and
 * its native addon at import. `new Database(...)` returns better-sqlite3's own database object.
 */
export const Database = function Database(...args: ConstructorParameters<typeof BetterSqlite3>): BetterSqlite3.Database {
  loaded ??= withAddon(createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3);
  return new loaded(...args);
} as unknown as typeof BetterSqlite3;

/** Database is also the type of an open database. */
export type Database = BetterSqlite3.Database;

/** Statement is a prepared statement. */
export type Statement = BetterSqlite3.Statement;
