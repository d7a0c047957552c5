/**
 * sqlite.ts loads better-sqlite3 for the store's databases (meta.db, hashcache.db). The package is
 * CommonJS: loading it with require() skips the ESM loader's scan of its exports, which otherwise
 * costs a large share of a CLI command's start-up. The bundled CLI uses sqlite-bundled.ts
 * instead (scripts/bundle-cli.mjs), which has esbuild bundle the package's JavaScript.
 */
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import { withAddon } from "./sqlite-addon.js";

/** Database is better-sqlite3's constructor. */
export const Database: typeof BetterSqlite3 = withAddon(createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3);

/** Database is also the type of an open database. */
export type Database = BetterSqlite3.Database;

/** Statement is a prepared statement. */
export type Statement = BetterSqlite3.Statement;
