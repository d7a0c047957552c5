/**
 * createFsCache keeps build results across processes: a cache key maps (in the store's cache
 * table) to a small JSON blob describing the FsResult. A record whose layer dirs or blobs are gone
 * (pruned) is a miss, never an error; a step layer dir whose blob is kept is made again from the blob.
 */
import { stat } from "node:fs/promises";
import type { Digest } from "../../core/digest.js";
import { NotFoundError } from "../../store/errors.js";
import type { Store } from "../../store/store.js";
import type { CacheStore } from "../types.js";
import { isStepLayer } from "./layer-dirs.js";
import type { FsResult } from "./types.js";

/** MAX_RECORD_BYTES caps a cache record blob (a few hundred bytes per layer). */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * SEEN_TTL_MS is how long a layer dir or blob seen present is taken as present by later lookups.
 * Every step's record lists all layers below it, so without this a warm rebuild of n steps
 * checks O(n^2) paths; its lookups all start within a few milliseconds, and share one check
 * per path (checks in flight are shared too). The window is kept short: the check is advisory
 * either way (content can be pruned right after it), and a longer one would let a builder that
 * lives across builds miss a prune by another process.
 */
const SEEN_TTL_MS = 500;
/** MAX_SEEN bounds the remembered checks. */
const MAX_SEEN = 10_000;

/** Presence shares recent and in-flight existence checks of layer dirs and blobs. */
class Presence {
  private readonly seen = new Map<string, { readonly at: number; readonly present: Promise<boolean> }>();
  constructor(private readonly store: Store) {}

  /** usable reports whether every blob and every base image dir of a result is (still) there. */
  async usable(r: FsResult): Promise<boolean> {
    const checks: Promise<boolean>[] = [];
    for (const l of r.layers) {
      // A step layer dir that is missing is unpacked from its blob when a step mounts it (layer-dirs.ts).
      if (!isStepLayer(l)) checks.push(this.check(`dir:${l.dir}`, () => stat(l.dir).then(() => true, () => false)));
      for (const b of l.blobs) checks.push(this.check(`blob:${b.digest}`, () => this.store.blobs.has(b.digest)));
    }
    return (await Promise.all(checks)).every(Boolean);
  }

  /** check runs probe unless a check of id started within SEEN_TTL_MS (and did not find it missing). */
  private check(id: string, probe: () => Promise<boolean>): Promise<boolean> {
    const now = Date.now();
    const known = this.seen.get(id);
    if (known && now - known.at < SEEN_TTL_MS) return known.present;
    if (this.seen.size >= MAX_SEEN) this.seen.clear();
    const present = probe();
    this.seen.set(id, { at: now, present });
    // A missing path (or a failed check) is never remembered: the next lookup looks again.
    present.then((ok) => ok || this.seen.delete(id), () => this.seen.delete(id));
    return present;
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
      // A cache record lost to power failure is only a miss; the build's final commit makes it durable.
      store.meta.relaxed(() => store.meta.putCache(key, blob.digest, blob.size));
    },
  };
}
