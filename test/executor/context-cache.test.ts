// The stat-keyed hash cache: an unchanged context is hashed without reading any file.
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContext, select, hashSelection } from "../../src/executor/context.js";
import { HashCache, statKeyString, type FileStatKey } from "../../src/store/hashcache.js";
import { countingReader, tempDir } from "./context-helpers.js";

const FILES = 5000;
let ctxDir: string;
let storeDir: string;
const cleanups: (() => void)[] = [];

beforeAll(() => {
  const c = tempDir("tsbuild-cache-ctx-");
  const s = tempDir("tsbuild-cache-store-");
  cleanups.push(c.cleanup, s.cleanup);
  ctxDir = c.dir;
  storeDir = s.dir;
  for (let d = 0; d < 50; d++) {
    mkdirSync(join(ctxDir, `dir${d}`));
    for (let f = 0; f < FILES / 50; f++) writeFileSync(join(ctxDir, `dir${d}`, `file${f}.txt`), `content ${d}/${f}\n`);
  }
});
afterAll(() => cleanups.forEach((c) => c()));

async function hashOnce(cache: HashCache): Promise<{ digest: string; reads: string[] }> {
  const { reader, reads } = countingReader();
  const ctx = await openContext(ctxDir);
  const digest = await hashSelection(ctx, select(ctx, ["."]), { cache, reader });
  return { digest, reads };
}

describe("hash cache", () => {
  it("reads every file once, then none on an unchanged 5,000-file context (even from a new connection)", async () => {
    const cache = new HashCache(storeDir);
    expect(cache.journalMode()).toBe("wal");
    const cold = await hashOnce(cache);
    expect(cold.reads.length).toBe(FILES);
    expect(cache.size()).toBe(FILES);
    const warm = await hashOnce(cache);
    expect(warm.reads).toEqual([]);
    expect(warm.digest).toBe(cold.digest);
    cache.close();
    const reopened = new HashCache(storeDir);
    const again = await hashOnce(reopened);
    expect(again.reads).toEqual([]);
    expect(again.digest).toBe(cold.digest);
    reopened.close();
  });

  it("re-reads only a file whose stat changed; a touch keeps the digest, an edit changes it", async () => {
    const cache = new HashCache(storeDir);
    const before = await hashOnce(cache);
    utimesSync(join(ctxDir, "dir7/file3.txt"), 12345, 12345);
    const touched = await hashOnce(cache);
    expect(touched.reads).toEqual(["dir7/file3.txt"]);
    expect(touched.digest).toBe(before.digest);
    writeFileSync(join(ctxDir, "dir7/file3.txt"), "content 7/X\n");
    const edited = await hashOnce(cache);
    expect(edited.reads).toEqual(["dir7/file3.txt"]);
    expect(edited.digest).not.toBe(before.digest);
    cache.close();
  });

  it("gives the same digest with and without the cache", async () => {
    const cache = new HashCache(storeDir);
    const ctx = await openContext(ctxDir);
    const sel = select(ctx, ["dir1", "dir2/file1*"]);
    expect(await hashSelection(ctx, sel, { cache })).toBe(await hashSelection(ctx, sel));
    cache.close();
  });

  it("refuses a hash cache written by a newer tsbuild, naming the file", () => {
    const other = tempDir("tsbuild-cache-version-");
    try {
      const cache = new HashCache(other.dir);
      cache.db.prepare("UPDATE schema_version SET version = 99").run();
      cache.close();
      expect(() => new HashCache(other.dir)).toThrow(/hashcache\.db has schema version 99, newer than this tsbuild/);
    } finally {
      other.cleanup();
    }
  });

  it("keys on every stat field and ignores malformed rows", () => {
    const cache = new HashCache(storeDir);
    const key: FileStatKey = { path: "a", size: 1n, mtimeNs: 2n, ctimeNs: 3n, ino: 4n, dev: 5n, mode: 0o644, uid: 0, gid: 0 };
    cache.putMany([{ key, sha256: "a".repeat(64) }]);
    expect(cache.get(key)).toBe("a".repeat(64));
    for (const change of [{ path: "b" }, { size: 9n }, { mtimeNs: 9n }, { ctimeNs: 9n }, { ino: 9n }, { dev: 9n }, { mode: 0o600 }, { uid: 1 }, { gid: 1 }]) {
      expect(cache.get({ ...key, ...change })).toBeUndefined();
    }
    cache.db.prepare("UPDATE hashes SET sha256 = 'garbage' WHERE key = ?").run(statKeyString(key));
    expect(cache.get(key)).toBeUndefined();
    cache.close();
  });
});
