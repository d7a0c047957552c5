// Driver.prepare of the OCI drivers: the cgroups made ahead are the ones the start joins and
// removes, and a prepare that no start took is undone by its release. Also the cgroup attach
// warming: it stops and leaves no file descriptor open.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCgroupMounts, removeCgroupTree, warmCgroupAttach, type CgroupMounts } from "../../src/runtime/cgroups.js";
import type { Driver } from "../../src/runtime/driver.js";
import { buildSpec, specResources } from "../../src/runtime/spec.js";
import { makeBusyboxRootfs, type TestRootfs } from "../helpers/rootfs.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { TEST_CGROUP_PARENT, makeDriver, missingPrerequisite } from "../helpers/sandbox.js";

/** missingFor names what the tests of `runtime` lack (under CI=true a lack fails the file: requirePrerequisites). */
function missingFor(runtime: "crun" | "runc"): string | undefined {
  const missing = missingPrerequisite(runtime);
  requirePrerequisites(`the ${runtime} prepare tests`, missing);
  return missing;
}

/** pidsDir is the pids-controller cgroup dir of bundle `id` (undefined on a host without a v1 pids hierarchy). */
function pidsDir(mounts: CgroupMounts, id: string): string | undefined {
  const root = mounts.v1.get("pids");
  return root === undefined ? undefined : posix.join(root, TEST_CGROUP_PARENT, id);
}

let counter = 0;

/** openFds counts this process's open files that are a cgroup.procs (the warming's file). */
const openFds = (): number =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).endsWith("/cgroup.procs");
    } catch {
      // Closed since the listing (the listing's own fd, say).
      return false;
    }
  }).length;

/** settled waits until no warming of an earlier test (stopped while its write was under way) holds its file. */
const settled = async (): Promise<number> => {
  for (let i = 0; i < 100 && openFds() > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return openFds();
};

describe.each(["crun", "runc"] as const)("%s: prepare", (runtime) => {
  const skip = missingFor(runtime) !== undefined;
  let tmp = "";
  let rootfs: TestRootfs | undefined;
  let driver: Driver;
  let mounts: CgroupMounts;
  beforeAll(async () => {
    if (skip) return;
    tmp = mkdtempSync(join(tmpdir(), "tsbuild-prepare-"));
    rootfs = makeBusyboxRootfs();
    driver = await makeDriver(runtime, join(tmp, "state"));
    mounts = await readCgroupMounts();
  });
  afterAll(async () => {
    if (skip) return;
    rootfs?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
    await removeCgroupTree(mounts, TEST_CGROUP_PARENT);
  });

  /** run runs `script` as bundle `id` and returns its exit code and output. */
  const run = async (id: string, script: string): Promise<{ code: number; out: string; err: string }> => {
    const dir = join(tmp, id);
    mkdirSync(dir);
    const spec = buildSpec({ rootfs: rootfs?.rootfs as string, argv: ["/bin/sh", "-c", script], env: ["PATH=/bin"], cwd: "/", user: { uid: 0, gid: 0, additionalGids: [] }, hostname: "prepare", mounts: [], network: "none", limits: { pidsLimit: 77 }, tty: false, readonlyRootfs: false });
    const out = new PassThrough();
    const err = new PassThrough();
    let o = "";
    let e = "";
    out.on("data", (d: Buffer) => (o += d.toString()));
    err.on("data", (d: Buffer) => (e += d.toString()));
    const result = await driver.run(spec, { dir, id }, { stdout: out, stderr: err });
    return { code: result.exitCode, out: o, err: e };
  };

  it.skipIf(skip)("a start takes over the prepared cgroups: the container runs in them, and they are gone afterwards", async () => {
    const id = `prep-${runtime}-${process.pid}-${++counter}`;
    const release = driver.prepare?.(id, specResources({ pidsLimit: 77 }));
    expect(release).toBeDefined();
    const dir = pidsDir(mounts, id);
    // tsbuild makes crun's cgroups (v1 and hybrid hosts); runc makes its own when it starts.
    const made = dir !== undefined && runtime === "crun" && mounts.mode !== "v2";
    let want = "77";
    if (made) {
      expect(readFileSync(join(dir, "pids.max"), "utf8").trim()).toBe("77");
      // A mark only the prepared cgroup has: a start that made its cgroups anew would show 77.
      writeFileSync(join(dir, "pids.max"), "55");
      want = "55";
    }
    const r = await run(id, "cat /sys/fs/cgroup/pids/pids.max");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`${want}\n`);
    if (dir !== undefined) expect(existsSync(dir)).toBe(false);
    await release?.();
    if (dir !== undefined) expect(existsSync(dir)).toBe(false);
  });

  it.skipIf(skip)("a prepare that no start took is undone by its release, its cgroup warming stopped", async () => {
    const id = `prep-${runtime}-${process.pid}-${++counter}`;
    const before = await settled();
    const release = driver.prepare?.(id, specResources({ pidsLimit: 77 }));
    const dir = pidsDir(mounts, id);
    if (dir !== undefined && runtime === "crun" && mounts.mode !== "v2") expect(existsSync(dir)).toBe(true);
    // The warming starts with the cgroups (prepare), so that its slow first move is over before the launcher's joins.
    expect(openFds()).toBe(before + 1);
    await release?.();
    if (dir !== undefined) expect(existsSync(dir)).toBe(false);
    expect(await settled()).toBe(before);
    // A later run of another id is unaffected by the released one.
    const r = await run(`prep-${runtime}-${process.pid}-${++counter}`, "echo ok");
    expect(r.out).toBe("ok\n");
  });

  it.skipIf(skip)("the container's processes are in the run's cgroup of every hierarchy, the cgroup2 one of a hybrid host included", async () => {
    const id = `prep-${runtime}-${process.pid}-${++counter}`;
    const release = driver.prepare?.(id, specResources({ pidsLimit: 77 }));
    const running = run(id, "sleep 1");
    const roots = [...new Set([...mounts.v1.values(), ...(mounts.unified !== undefined ? [mounts.unified] : [])])];
    const members = (root: string): string => {
      try {
        // crun runs in the cgroup tsbuild made (v1 and hybrid hosts); runc in a child it makes.
        return readFileSync(posix.join(root, TEST_CGROUP_PARENT, id, ...(runtime === "runc" ? ["container"] : []), "cgroup.procs"), "utf8").trim();
      } catch {
        // Not made yet (or gone): no members.
        return "";
      }
    };
    let seen: string[] = [];
    for (let i = 0; i < 100 && seen.length < roots.length; i++) {
      await new Promise((r) => setTimeout(r, 10));
      seen = roots.filter((root) => members(root) !== "");
    }
    const r = await running;
    await release?.();
    expect(r.code, r.err).toBe(0);
    expect(seen.sort()).toEqual(roots.sort());
  });

  it.skipIf(skip)("refuses an id that is not a container id", () => {
    expect(() => driver.prepare?.("../escape", specResources({}))).toThrow(/must match/);
  });
});

const notRoot = process.getuid?.() === 0 ? undefined : "writing cgroup.procs needs root";
requirePrerequisites("the cgroup warming tests", notRoot);

describe.skipIf(notRoot !== undefined)("warmCgroupAttach", () => {
  it("keeps writing until stopped and then closes its file", async () => {
    const mounts = await readCgroupMounts();
    const before = await settled();
    const stop = warmCgroupAttach(mounts);
    // Several warming rounds (4 ms apart once the first, slow move is done).
    await new Promise((r) => setTimeout(r, 60));
    expect(openFds()).toBe(before + 1);
    stop();
    await new Promise((r) => setTimeout(r, 40));
    expect(openFds()).toBe(before);
    // Stopping twice is harmless.
    stop();
    expect(openFds()).toBe(before);
  });

  it("closes its file when stopped while a write is under way", async () => {
    const mounts = await readCgroupMounts();
    const before = await settled();
    const stop = warmCgroupAttach(mounts);
    stop();
    await new Promise((r) => setTimeout(r, 60));
    expect(openFds()).toBe(before);
  });

  it("ends by itself when nobody stops it", async () => {
    const mounts = await readCgroupMounts();
    const before = await settled();
    warmCgroupAttach(mounts);
    await new Promise((r) => setTimeout(r, 450));
    expect(openFds()).toBe(before);
  });
});

describe.skipIf(missingFor("crun") !== undefined)("crun: a prepare whose cgroups cannot be made", () => {
  it("leaves nothing behind once released, and the start reports the failure", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "tsbuild-prepare-fail-"));
    const mounts = await readCgroupMounts();
    try {
      const driver = await makeDriver("crun", join(tmp, "state"));
      const id = `prep-fail-${process.pid}`;
      // A CPU quota under the kernel's 1 ms minimum: the limit write fails after the mkdirs.
      const resources = { ...specResources({}), cpu: { quota: 10, period: 100_000 } };
      const release = driver.prepare?.(id, resources);
      expect(release).toBeDefined();
      await release?.();
      const dir = pidsDir(mounts, id);
      if (dir !== undefined) expect(existsSync(dir)).toBe(false);
      // The start of that container meets the failure itself and reports it.
      const rootfs = makeBusyboxRootfs();
      try {
        const spec = buildSpec({ rootfs: rootfs.rootfs, argv: ["/bin/true"], env: ["PATH=/bin"], cwd: "/", user: { uid: 0, gid: 0, additionalGids: [] }, hostname: "prepare", mounts: [], network: "none", limits: {}, tty: false, readonlyRootfs: false });
        const bundle = join(tmp, "bundle");
        mkdirSync(bundle);
        const failing = { ...spec, linux: { ...spec.linux, resources } };
        await expect(driver.run(failing, { dir: bundle, id }, { stdout: new PassThrough(), stderr: new PassThrough() })).rejects.toThrow(/cannot write "10" to \/sys\/fs\/cgroup\/cpu/);
        if (dir !== undefined) expect(existsSync(dir)).toBe(false);
      } finally {
        rootfs.cleanup();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      await removeCgroupTree(mounts, TEST_CGROUP_PARENT);
    }
  });
});
