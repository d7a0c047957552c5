import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/digest.js";
import { LAST_USED_INTERVAL_MS, MetaStore, SCHEMA_VERSION } from "../../src/store/meta.js";

describe("MetaStore", () => {
  it("opens in WAL mode with a schema version and shares data between two connections", () => {
    const root = mkdtempSync(join(tmpdir(), "tsbuild-meta-"));
    const a = new MetaStore(root);
    const b = new MetaStore(root);
    expect(a.journalMode()).toBe("wal");
    expect(b.schemaVersion()).toBe(SCHEMA_VERSION);
    const d = sha256("manifest");
    a.setRef("docker.io/library/busybox:latest", d);
    expect(b.getRef("docker.io/library/busybox:latest")).toBe(d);
    // A read transaction on b sees a stable snapshot while a writes (WAL readers never block writers).
    const read = b.db.transaction(() => {
      const before = b.listRefs().length;
      a.setRef("x:1", d);
      return [before, b.listRefs().length];
    });
    expect(read()).toEqual([1, 1]);
    expect(b.listRefs().map((r) => r.name)).toEqual(["docker.io/library/busybox:latest", "x:1"]);
    a.close();
    b.close();
  });

  it("records images, cache entries and leases", () => {
    const m = new MetaStore(mkdtempSync(join(tmpdir(), "tsbuild-meta-")));
    const d = sha256("m");
    m.putImage({ digest: d, mediaType: "application/vnd.oci.image.manifest.v1+json", configDigest: sha256("c"), size: 10 }, 5);
    m.putImage({ digest: d, mediaType: "application/vnd.oci.image.manifest.v1+json", configDigest: sha256("c"), size: 10 }, 9);
    expect(m.getImage(d)).toMatchObject({ createdAt: 5, lastUsed: 9 });
    m.putCache("k", sha256("layer"), 3, 1);
    expect(m.getCache("k", 2)?.digest).toBe(sha256("layer"));
    expect(m.listCache()[0]?.lastUsed).toBe(1); // used again within LAST_USED_INTERVAL_MS: not rewritten
    expect(m.getCache("k", 1 + LAST_USED_INTERVAL_MS)?.lastUsed).toBe(1 + LAST_USED_INTERVAL_MS);
    expect(m.listCache()[0]?.lastUsed).toBe(1 + LAST_USED_INTERVAL_MS);
    m.addLease("build-1", process.pid, Date.now() + 1000, [d]);
    expect(m.leasedDigests(["build-1"])).toEqual(new Set([d]));
    m.releaseLease("build-1");
    expect(m.leasedDigests(["build-1"]).size).toBe(0);
    expect(m.deleteRef("nope")).toBe(false);
    m.close();
  });
});
