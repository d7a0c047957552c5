import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hexOf, sha256 } from "../../src/core/digest.js";
import { BlobStore } from "../../src/store/blobs.js";
import { resolveStoreRoot } from "../../src/store/root.js";

function fresh(): BlobStore {
  return new BlobStore(mkdtempSync(join(tmpdir(), "tsbuild-blobs-")));
}

async function drain(s: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of s) void _;
}

describe("BlobStore commit protocol", () => {
  it("stores bytes under their digest and reads them back verified", async () => {
    const store = fresh();
    const info = await store.write(Buffer.from("hello"));
    expect(info).toEqual({ digest: sha256("hello"), size: 5 });
    expect(readFileSync(store.path(info.digest), "utf8")).toBe("hello");
    expect((await store.readAll(info.digest, 100)).toString()).toBe("hello");
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it("makes its directories when they are missing, also when only the temp directory exists", async () => {
    const store = fresh();
    mkdirSync(store.tmpDir, { recursive: true });
    const a = await store.write(Buffer.from("first"));
    expect(readFileSync(store.path(a.digest), "utf8")).toBe("first");
    rmSync(store.root, { recursive: true });
    const b = await store.write(Buffer.from("second"));
    expect(readFileSync(store.path(b.digest), "utf8")).toBe("second");
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it("refuses a corrupted blob on read, naming the digest, only after the stream is drained", async () => {
    const store = fresh();
    const { digest } = await store.write(Buffer.from("good content"));
    writeFileSync(store.path(digest), "evil content");
    const chunks: Buffer[] = [];
    const s = await store.open(digest);
    const err = await (async () => {
      try {
        for await (const c of s) chunks.push(c as Buffer);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(Buffer.concat(chunks).toString()).toBe("evil content");
    expect(err?.message).toContain(digest);
    expect(err?.message).toMatch(/corrupt/);
  });

  it("refuses a truncated blob against its descriptor size", async () => {
    const store = fresh();
    const { digest } = await store.write(Buffer.from("0123456789"));
    writeFileSync(store.path(digest), "01234");
    await expect(drain(await store.open(digest, 10))).rejects.toThrow(/expected 10 bytes, got 5 \(truncated\)/);
  });

  it("commits nothing and leaves no temp file when the digest or size is wrong", async () => {
    const store = fresh();
    const wrong = sha256("other");
    await expect(store.write(Buffer.from("data"), { digest: wrong })).rejects.toThrow(wrong);
    await expect(store.write(Buffer.from("data"), { size: 3 })).rejects.toThrow(/expected 3 bytes, got 4/);
    expect(await store.has(wrong)).toBe(false);
    expect(await store.has(sha256("data"))).toBe(false);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it("leaves no half-written file when the source fails midway", async () => {
    const store = fresh();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(1000, 1);
      throw new Error("connection reset");
    }
    await expect(store.write(failing())).rejects.toThrow("connection reset");
    expect(readdirSync(store.tmpDir)).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it("lets concurrent writers of the same blob all succeed with one stored copy", async () => {
    const store = fresh();
    const data = Buffer.alloc(256 * 1024, 7);
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < data.length; i += 16 * 1024) {
        await new Promise((r) => setImmediate(r));
        yield data.subarray(i, i + 16 * 1024);
      }
    }
    const results = await Promise.all(Array.from({ length: 6 }, () => store.write(slow(), { digest: sha256(data), size: data.length })));
    expect(new Set(results.map((r) => r.digest)).size).toBe(1);
    expect(await store.list()).toEqual([sha256(data)]);
    expect(readdirSync(store.blobDir)).toEqual([hexOf(sha256(data))]);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it("refuses malformed digests before touching the filesystem", () => {
    const store = fresh();
    expect(() => store.path("sha256:../../etc/passwd" as never)).toThrow(/invalid digest/);
  });
});

describe("resolveStoreRoot", () => {
  it("follows --root, TSBUILD_ROOT, root's system path, XDG, then ~/.local/share", () => {
    expect(resolveStoreRoot({ flag: "/x", env: { TSBUILD_ROOT: "/y" }, uid: 1000 })).toBe("/x");
    expect(resolveStoreRoot({ env: { TSBUILD_ROOT: "/y" }, uid: 0 })).toBe("/y");
    expect(resolveStoreRoot({ env: {}, uid: 0 })).toBe("/var/lib/tsbuild");
    expect(resolveStoreRoot({ env: { XDG_DATA_HOME: "/d" }, uid: 1000 })).toBe("/d/tsbuild");
    expect(resolveStoreRoot({ env: { XDG_DATA_HOME: "rel" }, uid: 1000, home: "/h" })).toBe("/h/.local/share/tsbuild");
  });
});
