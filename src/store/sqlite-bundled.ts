/**
 * sqlite-bundled.ts stands in for sqlite.ts in the bundled CLI (scripts/bundle-cli.mjs): a static
 * import lets esbuild bundle better-sqlite3's JavaScript into the CLI, so a command start reads
 * one file instead of resolving and compiling the package's fifteen modules; the native addon
 * is still loaded from the package.
 */
import BetterSqlite3 from "better-sqlite3";
import { withAddon } from "./sqlite-addon.js";

/** Database is better-sqlite3's constructor. */
export const Database: typeof BetterSqlite3 = withAddon(BetterSqlite3);

/** Database is also the type of an open database. */
export type Database = BetterSqlite3.Database;

/** Statement is a prepared statement. */
export type Statement = BetterSqlite3.Statement;
