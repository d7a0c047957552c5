import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Database, type Statement } from "./sqlite.js";
import { StoreError } from "./errors.js";
import { useWal } from "./sqlite-wal.js";

/** HASHCACHE_SCHEMA_VERSION is the layout of hashcache.db this code reads and writes. */
export const HASHCACHE_SCHEMA_VERSION = 1;

/** BUSY_TIMEOUT_MS is how long a writer waits for another tsbuild process's write lock. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * FileStatKey is what identifies one version of a context file without reading it. Two equal
 * keys are assumed to name equal contents: a write that keeps path, size, mtime, ctime, inode,
 * device, mode and owner all unchanged is not detected (ctime cannot be set from user space).
 */
export interface FileStatKey {
  /** Slash-separated path relative to the context root. */
  readonly path: string;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** statKeyString serializes a FileStatKey; NUL cannot occur in a path, so fields cannot run together. */
export function statKeyString(k: FileStatKey): string {
  return [k.path, k.size, k.mtimeNs, k.ctimeNs, k.ino, k.dev, k.mode, k.uid, k.gid].join("\0");
}

const HEX_RE = /^[a-f0-9]{64}$/;

/**
 * HashCache is the stat-keyed content hash cache (`<root>/hashcache.db`, SQLite in WAL mode):
 * FileStatKey -> sha256 hex of the file's bytes. It lets an unchanged build context be hashed
 * without reading any file. It is a cache only: losing or deleting the file costs a re-read,
 * never a wrong result, so it uses `synchronous = NORMAL`.
 */
export class HashCache {
  readonly db: Database;
  private readonly getStmt: Statement;
  private readonly putStmt: Statement;

  constructor(root: string) {
    mkdirSync(root, { recursive: true });
    const file = join(root, "hashcache.db");
    try {
      this.db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      useWal(this.db, BUSY_TIMEOUT_MS);
      this.db.pragma("synchronous = NORMAL");
      this.db.exec(`CREATE TABLE IF NOT EXISTS hashes (key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, last_used INTEGER NOT NULL)`);
      this.db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    } catch (err) {
      throw new StoreError(`cannot open the context hash cache ${file}: ${(err as Error).message}; delete the file to rebuild it`, { cause: err });
    }
    try {
      this.checkVersion(file);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.getStmt = this.db.prepare("SELECT sha256 FROM hashes WHERE key = ?");
    this.putStmt = this.db.prepare(
      "INSERT INTO hashes (key, sha256, last_used) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET sha256 = excluded.sha256, last_used = excluded.last_used",
    );
  }

  /** checkVersion records the schema version on first use and refuses a newer one. */
  private checkVersion(file: string): void {
    const row = this.db.prepare("SELECT version FROM schema_version").get() as { version: number } | undefined;
    if (!row) this.db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(HASHCACHE_SCHEMA_VERSION);
    else if (row.version > HASHCACHE_SCHEMA_VERSION) {
      throw new StoreError(`${file} has schema version ${row.version}, newer than this tsbuild understands (${HASHCACHE_SCHEMA_VERSION}); upgrade tsbuild or delete the file`);
    }
  }

  /** journalMode returns SQLite's journal mode ("wal" once opened). */
  journalMode(): string {
    return String(this.db.pragma("journal_mode", { simple: true }));
  }

  /** get returns the sha256 hex recorded for key, or undefined; a malformed row counts as a miss. */
  get(key: FileStatKey): string | undefined {
    const row = this.getStmt.get(statKeyString(key)) as { sha256: string } | undefined;
    return row && HEX_RE.test(row.sha256) ? row.sha256 : undefined;
  }

  /**
   * getMany looks up many keys in one read transaction (one lock and one check of the database
   * file instead of one per key); result i answers keys[i] as get does.
   */
  getMany(keys: readonly FileStatKey[]): (string | undefined)[] {
    if (keys.length === 0) return [];
    return this.db.transaction(() => keys.map((k) => this.get(k)))();
  }

  /** putMany records hashes in one transaction. */
  putMany(items: readonly { readonly key: FileStatKey; readonly sha256: string }[], now = Date.now()): void {
    if (items.length === 0) return;
    this.db.transaction(() => {
      for (const it of items) this.putStmt.run(statKeyString(it.key), it.sha256, now);
    })();
  }

  /** size returns the number of cached hashes. */
  size(): number {
    return Number((this.db.prepare("SELECT COUNT(*) AS n FROM hashes").get() as { n: number }).n);
  }

  close(): void {
    this.db.close();
  }
}
