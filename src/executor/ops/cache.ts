/**
 * createFsCache keeps build results across processes: a cache key maps (in the store's cache
 * table) to a small JSON blob describing the FsResult. A record whose layer dirs or blobs are gone
 * (pruned) is a miss, never an error.
 */
import { stat } from "node:fs/promises";
import type { Digest } from "../../core/digest.js";
import { NotFoundError } from "../../store/errors.js";
import type { Store } from "../../store/store.js";
import type { CacheStore } from "../types.js";
import type { FsResult } from "./types.js";

/** MAX_RECORD_BYTES caps a cache record blob (a few hundred bytes per layer). */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * SEEN_TTL_MS is how long a layer dir or blob seen present is taken as present by later lookups.
 * Every step's record lists all layers below it, so without this a warm rebuild of n steps
 * checks O(n²) paths. The check is advisory either way: content can be pruned right after it.
 */
const SEEN_TTL_MS = 2000;
/** MAX_SEEN bounds the remembered checks of a long-lived builder. */
const MAX_SEEN = 10_000;

/** Presence remembers recent positive existence checks of paths and blobs. */
class Presence {
  private readonly seen = new Map<string, number>();
  constructor(private readonly store: Store) {}

  /** usable reports whether every layer dir and blob of a result is (still) there. */
  async usable(r: FsResult): Promise<boolean> {
    const checks: Promise<boolean>[] = [];
    for (const l of r.layers) {
      checks.push(this.check(`dir:${l.dir}`, () => stat(l.dir).then(() => true, () => false)));
      for (const b of l.blobs) checks.push(this.check(`blob:${b.digest}`, () => this.store.blobs.has(b.digest)));
    }
    return (await Promise.all(checks)).every(Boolean);
  }

  /** check runs probe unless id was seen present within SEEN_TTL_MS. */
  private async check(id: string, probe: () => Promise<boolean>): Promise<boolean> {
    const now = Date.now();
    const at = this.seen.get(id);
    if (at !== undefined && now - at < SEEN_TTL_MS) return true;
    const ok = await probe();
    if (ok) {
      if (this.seen.size >= MAX_SEEN) this.seen.clear();
      this.seen.set(id, now);
    }
    return ok;
  }
}

/** createFsCache returns a CacheStore over the store's cache records. */
export function createFsCache(store: Store): CacheStore<FsResult> {
  const presence = new Presence(store);
  return {
    async get(key: Digest): Promise<FsResult | undefined> {
      const rec = store.meta.getCache(key);
      if (!rec) return undefined;
      const bytes = await store.blobs.readAll(rec.digest, MAX_RECORD_BYTES, rec.size).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined; // the record's blob was pruned: a miss
        throw err;
      });
      if (!bytes) return undefined;
      const result = JSON.parse(bytes.toString("utf8")) as FsResult;
      return (await presence.usable(result)) ? result : undefined;
    },
    async put(key: Digest, result: FsResult): Promise<void> {
      const blob = await store.blobs.write(Buffer.from(JSON.stringify(result)));
      store.meta.putCache(key, blob.digest, blob.size);
    },
  };
}
