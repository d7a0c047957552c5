// `tsbuild build` pulls a base image the store lacks from its registry (a real docker-registry),
// and with `pull` (--pull) resolves stored base images against the registry again.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/api/index.js";
import type { Digest } from "../../src/core/digest.js";
import { importRootfs } from "../../src/image/import.js";
import { readImage } from "../../src/image/images.js";
import { push } from "../../src/registry/push.js";
import { openStore } from "../../src/store/store.js";
import { registryMissing, startRegistry, type TestRegistry } from "../helpers/registry.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = registryMissing();
requirePrerequisites("registry tests", missing);

describe.skipIf(missing !== undefined)("build pulls missing base images", () => {
  let reg: TestRegistry;
  let dir: string;
  let baseDigest: string;

  beforeAll(async () => {
    reg = await startRegistry();
    dir = mkdtempSync(join(tmpdir(), "tsbuild-buildpull-"));
    execFileSync("sh", ["-c", `mkdir -p ${dir}/r/etc && echo base > ${dir}/r/etc/motd && tar -C ${dir}/r -cf ${dir}/r.tar .`]);
    const src = openStore(join(dir, "src-store"));
    try {
      baseDigest = (await importRootfs(src, join(dir, "r.tar"), [`${reg.host}/base/img:1`], { sourceDateEpoch: 0 })).digest;
      await push(src, `${reg.host}/base/img:1`, { credentials: async () => undefined });
    } finally {
      src.close();
    }
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("pulls the base into an empty store and builds on it", async () => {
    const ctx = join(dir, "ctx");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${reg.host}/base/img:1\nLABEL built=yes\n`);
    const root = join(dir, "store");
    const res = await build({ context: ctx, root, tags: ["out:1"] });
    const store = openStore(root);
    try {
      expect(store.meta.getRef(`${reg.host}/base/img:1`)).toBe(baseDigest);
      const img = await readImage(store, res.manifestDigest);
      expect(img.config.config?.Labels).toEqual({ built: "yes" });
    } finally {
      store.close();
    }
  }, 60_000);

  /** pushBase imports a one-file rootfs as REF in a scratch store and pushes it; returns its manifest digest. */
  async function pushBase(ref: string, motd: string): Promise<string> {
    const r = join(dir, `rootfs-${motd}`);
    execFileSync("sh", ["-c", `mkdir -p ${r}/etc && echo ${motd} > ${r}/etc/motd && tar -C ${r} -cf ${r}.tar .`]);
    const src = openStore(join(dir, `src-${motd}`));
    try {
      const digest = (await importRootfs(src, `${r}.tar`, [ref], { sourceDateEpoch: 0 })).digest;
      await push(src, ref, { credentials: async () => undefined });
      return digest;
    } finally {
      src.close();
    }
  }

  /** storedRef returns the manifest digest the store at ROOT keeps under REF. */
  function storedRef(root: string, ref: string): string | undefined {
    const store = openStore(root);
    try {
      return store.meta.getRef(ref);
    } finally {
      store.close();
    }
  }

  /** settledLength waits until the registry's access log stops growing (its lines arrive after the responses) and returns its length. */
  async function settledLength(): Promise<number> {
    let last = -1;
    while (reg.log().length !== last) {
      last = reg.log().length;
      await new Promise((r) => setTimeout(r, 300));
    }
    return last;
  }

  it("uses the stored base without --pull, and with pull resolves it again and pulls only a changed digest", async () => {
    const ref = `${reg.host}/base/moving:1`;
    const v1 = await pushBase(ref, "one");
    const ctx = join(dir, "ctx-pull");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${ref}\nLABEL built=yes\n`);
    const root = join(dir, "store-pull");
    await build({ context: ctx, root, sourceDateEpoch: 0 });
    expect(storedRef(root, ref)).toBe(v1);
    const v2 = await pushBase(ref, "two");
    expect(v2).not.toBe(v1);
    const before = await settledLength();
    const stale = await build({ context: ctx, root, sourceDateEpoch: 0 });
    expect(storedRef(root, ref)).toBe(v1);
    await settledLength();
    expect(reg.log().slice(before)).not.toMatch(/GET \/v2\/base\/moving\//);
    const fresh = await build({ context: ctx, root, pull: true, sourceDateEpoch: 0 });
    expect(storedRef(root, ref)).toBe(v2);
    expect(fresh.manifestDigest).not.toBe(stale.manifestDigest);
    const store = openStore(root);
    try {
      const img = await readImage(store, fresh.manifestDigest);
      const base = await readImage(store, v2 as Digest);
      expect(img.config.rootfs.diff_ids).toEqual(base.config.rootfs.diff_ids);
    } finally {
      store.close();
    }
    const mark = await settledLength();
    const again = await build({ context: ctx, root, pull: true, sourceDateEpoch: 0 });
    expect(again.manifestDigest).toBe(fresh.manifestDigest);
    await settledLength();
    const requests = reg.log().slice(mark);
    expect(requests).toMatch(/(GET|HEAD) \/v2\/base\/moving\/manifests\/1/);
    expect(requests).not.toMatch(/GET \/v2\/base\/moving\/blobs\//);
  }, 60_000);

  it("with pull, a base image that only exists in the store is an error naming the reference", async () => {
    const ref = `${reg.host}/base/local-only:1`;
    const root = join(dir, "store-local");
    const store = openStore(root);
    try {
      await importRootfs(store, join(dir, "r.tar"), [ref], { sourceDateEpoch: 0 });
    } finally {
      store.close();
    }
    const ctx = join(dir, "ctx-local");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${ref}\n`);
    await expect(build({ context: ctx, root })).resolves.toBeDefined();
    await expect(build({ context: ctx, root, pull: true })).rejects.toThrow(`--pull: cannot resolve base image ${ref} against its registry`);
  }, 60_000);

  it("keeps a clear error when the pull fails", async () => {
    const ctx = join(dir, "ctx2");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${reg.host}/base/missing:1\n`);
    await expect(build({ context: ctx, root: join(dir, "store2") })).rejects.toThrow(new RegExp(`base image ${reg.host}/base/missing:1 is not in the local store .* and pulling it failed: cannot get manifest from ${reg.host}/base/missing: HTTP 404 (MANIFEST_UNKNOWN|NAME_UNKNOWN)`));
  }, 60_000);
});
