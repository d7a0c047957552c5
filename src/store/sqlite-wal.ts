/**
 * Switching a database to WAL mode under concurrency. SQLite answers `PRAGMA journal_mode = WAL`
 * with SQLITE_BUSY at once, without its busy handler, when another connection holds a lock at that
 * moment: two tsbuild processes that open a new store together (two builds started at once) would
 * see "database is locked" from the one that lost. useWal retries the switch for as long as the
 * store's busy timeout allows; once a database is in WAL mode the setting persists and later
 * opens find it so at once.
 */
import type { Database } from "./sqlite.js";

/** SLEEPER is what a synchronous wait blocks on (nothing ever wakes it: the wait times out). */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** isBusy says whether `err` is SQLite's "database is locked" (SQLITE_BUSY or one of its extended codes). */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/** useWal puts `db` in WAL mode, retrying while another connection keeps it busy, for up to `timeoutMs`. */
export function useWal(db: Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      Atomics.wait(SLEEPER, 0, 0, wait);
    }
  }
}
