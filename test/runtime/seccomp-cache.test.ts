// The compiled seccomp filter cache for crun: keys, storage, and that a cached filter is crun's
// own compilation, loaded by later runs, and still enforces the profile.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCachedFilter, seccompKey, storeFilter } from "../../src/runtime/drivers/seccomp-cache.js";
import { defaultSeccomp } from "../../src/runtime/seccomp.js";
import { readCgroupMounts, removeCgroupTree } from "../../src/runtime/cgroups.js";
import type { Driver } from "../../src/runtime/driver.js";
import { makeBusyboxRootfs, type TestRootfs } from "../helpers/rootfs.js";
import { makeDriver, missingPrerequisite, runIn, TEST_CGROUP_PARENT } from "../helpers/sandbox.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

describe("seccomp filter cache", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsbuild-seccomp-cache-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keys by profile and runtime binary, and keeps only whole filters of the same key", async () => {
    const bin = join(dir, "fake-runtime");
    writeFileSync(bin, "one");
    const a = await seccompKey(defaultSeccomp(["CHOWN"], "amd64"), bin);
    expect(await seccompKey(defaultSeccomp(["CHOWN"], "amd64"), bin)).toEqual(a);
    expect((await seccompKey(defaultSeccomp(["CHOWN", "SYS_ADMIN"], "amd64"), bin)).name).not.toBe(a.name);
    writeFileSync(bin, "a new build");
    expect((await seccompKey(defaultSeccomp(["CHOWN"], "amd64"), bin)).name).not.toBe(a.name);

    expect(await readCachedFilter(join(dir, "cache"), a)).toBeUndefined();
    const filter = Buffer.alloc(16, 7);
    await storeFilter(join(dir, "cache"), a, filter);
    expect(await readCachedFilter(join(dir, "cache"), a)).toBe(filter.toString("base64"));
    expect(readdirSync(join(dir, "cache"))).toEqual([`${a.name}.bpf`]);
    // A name shared with another key (a hash collision) gives no filter: only the same key does.
    expect(await readCachedFilter(join(dir, "cache"), { name: a.name, material: `${a.material} ` })).toBeUndefined();
    // A truncated file is no filter: crun then compiles the profile itself.
    writeFileSync(join(dir, "cache", `${a.name}.bpf`), Buffer.concat([Buffer.from(`${a.material}\n`), Buffer.alloc(12)]));
    expect(await readCachedFilter(join(dir, "cache"), a)).toBeUndefined();
  });
});

describe("crun with the filter cache", () => {
  const missing = missingPrerequisite("crun");
  requirePrerequisites("the crun seccomp cache test", missing);
  if (missing !== undefined) {
    it.skip(`needs: ${missing}`, () => undefined);
    return;
  }
  let fs: TestRootfs;
  let work: string;
  let driver: Driver;
  beforeAll(async () => {
    fs = makeBusyboxRootfs();
    work = mkdtempSync(join(tmpdir(), "tsbuild-seccomp-crun-"));
    driver = await makeDriver("crun", join(work, "state"));
  });
  afterAll(async () => {
    fs?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    await removeCgroupTree(await readCgroupMounts(), `/${TEST_CGROUP_PARENT}`);
  });

  it("compiles the profile once, hands the filter to later runs, and the filter still refuses what the profile refuses", async () => {
    const script = "grep ^Seccomp: /proc/self/status; unshare -U true 2>/dev/null; echo unshare=$?";
    const first = await runIn(driver, fs.rootfs, work, { script });
    expect(first.result.exitCode).toBe(0);
    expect(first.stdout).toBe("Seccomp:\t2\nunshare=1\n");
    const cache = join(work, "state", ".seccomp-cache");
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    // The file holds the key (one line) and then crun's compiled filter.
    const stored = readFileSync(join(cache, files[0]!));
    const filter = stored.subarray(stored.indexOf(0x0a) + 1);
    expect(stored.subarray(0, stored.indexOf(0x0a)).toString()).toContain('"defaultAction"');
    expect(filter.length % 8).toBe(0);
    expect(filter.length).toBeGreaterThan(0);
    // Nothing of the compile container is left in the runtime's state.
    expect(readdirSync(join(work, "state")).filter((n) => !n.startsWith("."))).toEqual([]);

    const second = await runIn(driver, fs.rootfs, work, { script });
    expect(second.stdout).toBe(first.stdout);
    const bundle = readdirSync(work).filter((n) => n.startsWith("bundle-")).map((n) => join(work, n, "config.json"));
    const annotations = bundle.map((f) => (JSON.parse(readFileSync(f, "utf8")) as { annotations?: Record<string, string> }).annotations?.["run.oci.seccomp_bpf_data"]);
    expect(annotations).toEqual([filter.toString("base64"), filter.toString("base64")]);
  });

  it("reclaim deletes a compile container a killed supervisor left created", async () => {
    const bundle = readdirSync(work).find((n) => n.startsWith("bundle-"))!;
    const mounts = await readCgroupMounts();
    const manager = mounts.mode === "v2" ? "" : "--cgroup-manager=disabled";
    const hide = mounts.mode === "hybrid" && mounts.unified !== undefined ? `umount ${mounts.unified}; ` : "";
    const state = join(work, "state");
    const created = spawnSync("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", `${hide}exec crun ${manager} --root ${state} create --bundle ${join(work, bundle)} left-seccomp`], { stdio: "ignore" });
    expect(created.status).toBe(0);
    expect(existsSync(join(state, "left-seccomp"))).toBe(true);
    await driver.reclaim("left");
    expect(existsSync(join(state, "left-seccomp"))).toBe(false);
  });
});
