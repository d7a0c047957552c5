// `--cache-to type=local` / `--cache-from type=local`: a cache exported from one store lets a
// build in a fresh store run zero steps and give the same image; mode=min keeps only the final
// image's steps; imported layers (with their deletions) serve as the base of new steps.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, checkStore, parseCacheFrom, parseCacheTo, type BuildOptions } from "../../src/api/index.js";
import type { BuildEvent } from "../../src/core/events.js";
import { readCacheDir } from "../../src/executor/cache-import.js";
import { importRootfs } from "../../src/image/import.js";
import { openStore } from "../../src/store/store.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";

const missing = e2eMissing();
requirePrerequisites("cache export/import tests", missing);

const DOCKERFILE = [
  "FROM busybox AS builder",
  "RUN head -c 16 /dev/urandom | od -An -tx1 > /rand && echo built > /b",
  "FROM busybox",
  "COPY --from=builder /rand /rand",
  "RUN cat /rand > /copy && rm /etc/group && mkdir -p /d/e",
  "COPY f.txt /d/f.txt",
  "",
].join("\n");

describe("--cache-to and --cache-from specs", () => {
  it("parses type=local and rejects what tsbuild cannot read or write", () => {
    expect(parseCacheTo("type=local,dest=/c")).toEqual({ type: "local", dest: "/c", mode: "min" });
    expect(parseCacheTo("dest=/c,mode=max")).toEqual({ type: "local", dest: "/c", mode: "max" });
    expect(parseCacheFrom("type=local,src=/c")).toEqual({ type: "local", src: "/c" });
    expect(() => parseCacheTo("type=registry,ref=r/a:cache")).toThrow(/type=registry is not supported/);
    expect(() => parseCacheTo("type=local,dest=/c,mode=all")).toThrow(/mode=min or mode=max/);
    expect(() => parseCacheTo("type=local")).toThrow(/needs dest=DIR/);
    expect(() => parseCacheFrom("user/app:cache")).toThrow(/not KEY=VALUE/);
    expect(() => parseCacheFrom("type=local,src=/c,compression=zstd")).toThrow(/unknown key "compression"/);
  });
});

describe.skipIf(missing !== undefined)("local build cache export and import", () => {
  let env: Env;
  let n = 0;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  /** freshStore makes an empty store holding the same busybox base (same digest) as env's. */
  async function freshStore(): Promise<string> {
    const root = join(env.dir, `store-${n++}`);
    const store = openStore(root);
    try {
      await importRootfs(store, join(env.dir, "busybox.tar"), ["busybox:latest"], { sourceDateEpoch: 0 });
    } finally {
      store.close();
    }
    return root;
  }
  const opts = (context: string, root: string, extra: Partial<BuildOptions> = {}): BuildOptions => ({ context, root, runtime: "runc", sourceDateEpoch: 1_700_000_000, tags: ["c:1"], ...extra });

  it("mode=max: a fresh store runs zero steps and gives the same image; new steps build on imported layers", async () => {
    const ctx = env.context({ Dockerfile: DOCKERFILE, "f.txt": "file\n" });
    const cacheDir = join(env.dir, "cache-max");
    const first = await build(opts(ctx, env.root, { cacheTo: [parseCacheTo(`type=local,dest=${cacheDir},mode=max`)] }));
    expect(first.executed).toBe(5);
    const exported = await readCacheDir(cacheDir);
    expect(exported?.config.records).toHaveLength(5); // base image, builder RUN, COPY --from, RUN, COPY
    expect(JSON.parse(readFileSync(join(cacheDir, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });

    const fresh = await freshStore();
    const second = await build(opts(ctx, fresh, { cacheFrom: [parseCacheFrom(`type=local,src=${cacheDir}`)] }));
    expect(second.executed).toBe(0);
    expect(second.cached).toBe(5);
    expect(second.manifestDigest).toBe(first.manifestDigest);

    // The imported layers are real lowers: a new step sees the copied file and the deletion.
    const more = env.context({ Dockerfile: `${DOCKERFILE}RUN test ! -e /etc/group && cat /copy /d/f.txt > /seen\n`, "f.txt": "file\n" });
    const third = await build(opts(more, fresh, { cacheFrom: [parseCacheFrom(`type=local,src=${cacheDir}`)], tags: ["c:2"] }));
    expect(third.executed).toBe(1);
    const img = await unpack({ ...env, root: fresh }, "c:2");
    expect(img.read("seen")).toBe(`${img.read("rand")}file\n`);
    // Imported layer dirs are recorded snapshots: fsck re-hashes each and finds nothing wrong.
    const report = await checkStore({ root: fresh });
    expect(report.problems).toEqual([]);
    expect(report.snapshotsChecked).toBeGreaterThanOrEqual(4);
  });

  it("mode=min keeps only the final image's steps", async () => {
    const ctx = env.context({ Dockerfile: DOCKERFILE, "f.txt": "min\n" });
    const cacheDir = join(env.dir, "cache-min");
    const first = await build(opts(ctx, env.root, { cacheTo: [parseCacheTo(`type=local,dest=${cacheDir}`)] }));
    expect((await readCacheDir(cacheDir))?.config.records).toHaveLength(4); // the builder stage's RUN is left out
    const fresh = await freshStore();
    const second = await build(opts(ctx, fresh, { cacheFrom: [parseCacheFrom(`type=local,src=${cacheDir}`)] }));
    // The builder stage runs again (its result is not in a min cache); the final image still comes from the cache.
    expect(second.executed).toBe(1);
    expect(second.manifestDigest).toBe(first.manifestDigest);
  });

  it("goes on with a warning when a --cache-from directory holds no cache yet", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nRUN echo x > /x\n" });
    const events: BuildEvent[] = [];
    const r = await build(opts(ctx, env.root, { cacheFrom: [parseCacheFrom(`type=local,src=${join(env.dir, "nothing-here")}`)], onEvent: (e) => events.push(e) }));
    expect(r.executed).toBeGreaterThan(0);
    expect(events.some((e) => e.type === "diagnostic" && e.diagnostic.code === "CacheImportMissing")).toBe(true);
  });
});

describe.skipIf(missing !== undefined)("a damaged or foreign cache directory", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("fails the build naming the cache and the bad blob", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nRUN echo x > /x\n" });
    const dir = join(env.dir, "cache");
    await build({ context: ctx, root: env.root, runtime: "runc", cacheTo: [parseCacheTo(`type=local,dest=${dir}`)] });
    const source = await readCacheDir(dir);
    const manifest = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")).manifests[0].digest.slice(7);
    const configHex = JSON.parse(readFileSync(join(dir, "blobs/sha256", manifest), "utf8")).config.digest.slice(7);
    expect(source?.config.records.length).toBe(2);
    writeFileSync(join(dir, "blobs/sha256", configHex), '{"version":1,"records":[{"key":"sha256:' + "0".repeat(64) + '","layers":[{"dir":"../../etc","blobs":[0]}]}]}');
    await expect(build({ context: ctx, root: env.root, runtime: "runc", cacheFrom: [parseCacheFrom(`type=local,src=${dir}`)] })).rejects.toThrow(/cache config blob does not match its digest/);
  });
});
