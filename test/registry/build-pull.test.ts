// `tsbuild build` pulls a base image the store lacks from its registry (a real docker-registry).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/api/index.js";
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

  it("keeps a clear error when the pull fails", async () => {
    const ctx = join(dir, "ctx2");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${reg.host}/base/missing:1\n`);
    await expect(build({ context: ctx, root: join(dir, "store2") })).rejects.toThrow(new RegExp(`base image ${reg.host}/base/missing:1 is not in the local store .* and pulling it failed: cannot get manifest from ${reg.host}/base/missing: HTTP 404 (MANIFEST_UNKNOWN|NAME_UNKNOWN)`));
  }, 60_000);
});
