import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Database } from "./sqlite.js";
import { parseDigest, type Digest } from "../core/digest.js";
import { StoreError } from "./errors.js";
import { useWal } from "./sqlite-wal.js";

/** SCHEMA_VERSION is the metadata schema this code reads and writes; older stores are migrated on open. */
export const SCHEMA_VERSION = 3;

/**
 * LAST_USED_INTERVAL_MS is the resolution of last-used times that reads maintain (cache records,
 * images a build reads): prune by age or size works in hours and megabytes, and a write per read
 * would cost a commit and an fsync each.
 */
export const LAST_USED_INTERVAL_MS = 60_000;

/** BUSY_TIMEOUT_MS is how long a writer waits for another tsbuild process's write lock before failing. */
const BUSY_TIMEOUT_MS = 10_000;

/** ImageRecord is one stored image, keyed by its manifest digest. */
export interface ImageRecord {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly configDigest: Digest;
  readonly size: number;
  /** imageCreated is the image config's `created` time (ms), when it has one. */
  readonly imageCreated?: number;
  /** createdAt is when the image entered this store (ms). */
  readonly createdAt: number;
  readonly lastUsed: number;
}

/** RefRecord maps a normalized `name:tag` to a manifest digest. */
export interface RefRecord {
  readonly name: string;
  readonly digest: Digest;
  readonly updatedAt: number;
}

/** CacheRecord maps a build cache key to the content it produced. */
export interface CacheRecord {
  readonly key: string;
  readonly digest: Digest;
  readonly size: number;
  readonly createdAt: number;
  readonly lastUsed: number;
}

/** LeaseRecord protects content from prune while a build runs; it expires if its process dies. */
export interface LeaseRecord {
  readonly id: string;
  readonly pid: number;
  readonly createdAt: number;
  readonly expiresAt: number;
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE refs (name TEXT PRIMARY KEY, digest TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE images (digest TEXT PRIMARY KEY, media_type TEXT NOT NULL, config_digest TEXT NOT NULL,
     size INTEGER NOT NULL, image_created INTEGER, created_at INTEGER NOT NULL, last_used INTEGER NOT NULL);
   CREATE TABLE cache (key TEXT PRIMARY KEY, digest TEXT NOT NULL, size INTEGER NOT NULL,
     created_at INTEGER NOT NULL, last_used INTEGER NOT NULL);
   CREATE TABLE leases (id TEXT PRIMARY KEY, pid INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
   CREATE TABLE lease_content (lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE, digest TEXT NOT NULL,
     PRIMARY KEY (lease_id, digest));
   CREATE INDEX refs_digest ON refs(digest);`,
  `CREATE TABLE snapshots (name TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, digest TEXT,
     epoch INTEGER, info TEXT NOT NULL, pid INTEGER NOT NULL, ready INTEGER NOT NULL, created_at INTEGER NOT NULL);`,
  `CREATE TABLE cache_mount_holders (holder TEXT PRIMARY KEY, dir TEXT NOT NULL, pid INTEGER NOT NULL,
     pid_start TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE INDEX cache_mount_holders_dir ON cache_mount_holders(dir);`,
];

type Row = Record<string, unknown>;

/**
 * MetaStore is the store's metadata in SQLite (`<root>/meta.db`): refs, image records, cache
 * records, leases and last-used times. WAL mode lets several tsbuild processes read while one
 * writes; busy_timeout makes a second writer wait instead of failing at once. All SQL lives here.
 */
export class MetaStore {
  readonly db: Database;

  constructor(root: string) {
    mkdirSync(root, { recursive: true });
    const file = join(root, "meta.db");
    try {
      this.db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    } catch (err) {
      throw new StoreError(`cannot open store metadata ${file}: ${(err as Error).message}`, { cause: err });
    }
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    useWal(this.db, BUSY_TIMEOUT_MS);
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.migrate();
  }

  /**
   * migrate brings the schema to SCHEMA_VERSION inside one immediate transaction, so concurrent
   * openers agree. A store already at SCHEMA_VERSION is only read: opening it writes nothing.
   */
  private migrate(): void {
    if (this.currentVersion() === SCHEMA_VERSION) return;
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const run = this.db.transaction(() => {
      const row = this.db.prepare("SELECT version FROM schema_version").get() as Row | undefined;
      const current = row ? Number(row.version) : 0;
      if (current > SCHEMA_VERSION) {
        throw new StoreError(`store metadata has schema version ${current}, newer than this tsbuild understands (${SCHEMA_VERSION}); upgrade tsbuild`);
      }
      for (let v = current; v < SCHEMA_VERSION; v++) this.db.exec(MIGRATIONS[v] ?? "");
      if (!row) this.db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(SCHEMA_VERSION);
      else this.db.prepare("UPDATE schema_version SET version = ?").run(SCHEMA_VERSION);
    });
    run.immediate();
  }

  /** currentVersion reads the stored schema version without writing; undefined for a new store. */
  private currentVersion(): number | undefined {
    const table = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
    if (table === undefined) return undefined;
    const row = this.db.prepare("SELECT version FROM schema_version").get() as Row | undefined;
    return row ? Number(row.version) : undefined;
  }

  /** schemaVersion returns the stored schema version. */
  schemaVersion(): number {
    return Number((this.db.prepare("SELECT version FROM schema_version").get() as Row).version);
  }

  /** journalMode returns SQLite's journal mode (always "wal" once opened). */
  journalMode(): string {
    return String(this.db.pragma("journal_mode", { simple: true }));
  }

  /**
   * relaxed runs `fn` with commits that skip the WAL fsync (synchronous = NORMAL). Each stays
   * atomic and survives the process being killed; against power loss it becomes durable with the
   * next ordinary commit, whose fsync of the WAL covers everything written before it. For records
   * whose loss costs at most a cache miss (a build step's cache and snapshot records).
   */
  relaxed<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.db.pragma("synchronous = NORMAL");
    try {
      return fn();
    } finally {
      this.db.pragma("synchronous = FULL");
    }
  }

  /** close closes the database connection; the MetaStore is unusable afterwards. */
  close(): void {
    this.db.close();
  }

  /** setRef points name at digest, replacing any previous target. */
  setRef(name: string, digest: Digest, now = Date.now()): void {
    this.db.prepare("INSERT INTO refs (name, digest, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at").run(name, digest, now);
  }

  /** getRef returns the digest name points at, or undefined. */
  getRef(name: string): Digest | undefined {
    const row = this.db.prepare("SELECT digest FROM refs WHERE name = ?").get(name) as Row | undefined;
    return row ? parseDigest(String(row.digest)) : undefined;
  }

  /** deleteRef removes a name; returns whether it existed. */
  deleteRef(name: string): boolean {
    return this.db.prepare("DELETE FROM refs WHERE name = ?").run(name).changes > 0;
  }

  /** listRefs returns every ref, sorted by name. */
  listRefs(): RefRecord[] {
    const rows = this.db.prepare("SELECT name, digest, updated_at FROM refs ORDER BY name").all() as Row[];
    return rows.map((r) => ({ name: String(r.name), digest: parseDigest(String(r.digest)), updatedAt: Number(r.updated_at) }));
  }

  /** refsTo returns the names pointing at digest. */
  refsTo(digest: Digest): string[] {
    const rows = this.db.prepare("SELECT name FROM refs WHERE digest = ? ORDER BY name").all(digest) as Row[];
    return rows.map((r) => String(r.name));
  }

  /** putImage records an image (keeping its original creation time if it is already known). */
  putImage(rec: Omit<ImageRecord, "createdAt" | "lastUsed">, now = Date.now()): void {
    this.db.prepare(`INSERT INTO images (digest, media_type, config_digest, size, image_created, created_at, last_used) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(digest) DO UPDATE SET last_used = excluded.last_used`).run(rec.digest, rec.mediaType, rec.configDigest, rec.size, rec.imageCreated ?? null, now, now);
  }

  /** getImage returns the image record for a manifest digest, or undefined. */
  getImage(digest: Digest): ImageRecord | undefined {
    const row = this.db.prepare("SELECT * FROM images WHERE digest = ?").get(digest) as Row | undefined;
    return row ? toImage(row) : undefined;
  }

  /** listImages returns every image record, newest first. */
  listImages(): ImageRecord[] {
    return (this.db.prepare("SELECT * FROM images ORDER BY created_at DESC, digest").all() as Row[]).map(toImage);
  }

  /** deleteImage removes an image record (refs to it must be removed first by the caller). */
  deleteImage(digest: Digest): void {
    this.db.prepare("DELETE FROM images WHERE digest = ?").run(digest);
  }

  /** touchImage records that an image was used now. */
  touchImage(digest: Digest, now = Date.now()): void {
    this.db.prepare("UPDATE images SET last_used = ? WHERE digest = ?").run(now, digest);
  }

  /** putCache records (or refreshes) a cache entry. */
  putCache(key: string, digest: Digest, size: number, now = Date.now()): void {
    this.db.prepare(`INSERT INTO cache (key, digest, size, created_at, last_used) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(key) DO UPDATE SET digest = excluded.digest, size = excluded.size, last_used = excluded.last_used`).run(key, digest, size, now, now);
  }

  /**
   * getCache returns a cache entry and marks it used when its last-used time is
   * LAST_USED_INTERVAL_MS old or more (so a warm rebuild does not commit one write per step).
   */
  getCache(key: string, now = Date.now()): CacheRecord | undefined {
    const row = this.db.prepare("SELECT * FROM cache WHERE key = ?").get(key) as Row | undefined;
    if (!row) return undefined;
    const rec = toCache(row);
    if (now - rec.lastUsed < LAST_USED_INTERVAL_MS) return rec;
    this.db.prepare("UPDATE cache SET last_used = ? WHERE key = ?").run(now, key);
    return { ...rec, lastUsed: now };
  }

  /** listCache returns every cache entry, least recently used first. */
  listCache(): CacheRecord[] {
    return (this.db.prepare("SELECT * FROM cache ORDER BY last_used, key").all() as Row[]).map(toCache);
  }

  /** deleteCache removes a cache entry. */
  deleteCache(key: string): void {
    this.db.prepare("DELETE FROM cache WHERE key = ?").run(key);
  }

  /** addLease records a lease held by pid until expiresAt, protecting digests from prune. */
  addLease(id: string, pid: number, expiresAt: number, digests: readonly Digest[] = [], now = Date.now()): void {
    this.db.transaction(() => {
      this.db.prepare("INSERT INTO leases (id, pid, created_at, expires_at) VALUES (?, ?, ?, ?)").run(id, pid, now, expiresAt);
      this.leaseContent(id, digests);
    }).immediate();
  }

  /** leaseContent adds digests to an existing lease. */
  leaseContent(id: string, digests: readonly Digest[]): void {
    const ins = this.db.prepare("INSERT OR IGNORE INTO lease_content (lease_id, digest) VALUES (?, ?)");
    for (const d of digests) ins.run(id, d);
  }

  /** releaseLease drops a lease and its protections. */
  releaseLease(id: string): void {
    this.db.prepare("DELETE FROM leases WHERE id = ?").run(id);
  }

  /**
   * holdCacheDir records `holder` (of process pid, started at pidStart) as using cache directory
   * `dir`, in one immediate transaction across all tsbuild processes: first the holders whose
   * process is gone (per `alive`) are dropped; then, when `alone`, nothing is recorded and false
   * returned if anyone else still holds `dir`.
   */
  holdCacheDir(dir: string, holder: string, pid: number, pidStart: string, alone: boolean, alive: (pid: number, start: string) => boolean, now = Date.now()): boolean {
    const run = this.db.transaction(() => {
      const rows = this.db.prepare("SELECT holder, pid, pid_start FROM cache_mount_holders WHERE dir = ?").all(dir) as Row[];
      const live = rows.filter((r) => {
        if (alive(Number(r.pid), String(r.pid_start))) return true;
        this.db.prepare("DELETE FROM cache_mount_holders WHERE holder = ?").run(r.holder);
        return false;
      });
      if (alone && live.length > 0) return false;
      this.db.prepare("INSERT INTO cache_mount_holders (holder, dir, pid, pid_start, created_at) VALUES (?, ?, ?, ?, ?)").run(holder, dir, pid, pidStart, now);
      return true;
    });
    return run.immediate();
  }

  /** releaseCacheDir drops `holder`'s record. */
  releaseCacheDir(holder: string): void {
    this.db.prepare("DELETE FROM cache_mount_holders WHERE holder = ?").run(holder);
  }

  /** listLeases returns every recorded lease, live or not. */
  listLeases(): LeaseRecord[] {
    const rows = this.db.prepare("SELECT * FROM leases ORDER BY created_at, id").all() as Row[];
    return rows.map((r) => ({ id: String(r.id), pid: Number(r.pid), createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) }));
  }

  /** leasedDigests returns the digests protected by the given leases. */
  leasedDigests(leaseIds: readonly string[]): Set<Digest> {
    const q = this.db.prepare("SELECT digest FROM lease_content WHERE lease_id = ?");
    const out = new Set<Digest>();
    for (const id of leaseIds) for (const r of q.all(id) as Row[]) out.add(parseDigest(String(r.digest)));
    return out;
  }
}

function toImage(r: Row): ImageRecord {
  return {
    digest: parseDigest(String(r.digest)),
    mediaType: String(r.media_type),
    configDigest: parseDigest(String(r.config_digest)),
    size: Number(r.size),
    ...(r.image_created === null || r.image_created === undefined ? {} : { imageCreated: Number(r.image_created) }),
    createdAt: Number(r.created_at),
    lastUsed: Number(r.last_used),
  };
}

function toCache(r: Row): CacheRecord {
  return { key: String(r.key), digest: parseDigest(String(r.digest)), size: Number(r.size), createdAt: Number(r.created_at), lastUsed: Number(r.last_used) };
}
