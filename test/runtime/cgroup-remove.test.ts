// removeCgroupTree on the host's real cgroup hierarchies: a tree with nested children goes from
// every hierarchy (the rmdir of a childless cgroup is tried before listing it), and a cgroup a
// process is still in is waited for, then reported busy, never left behind silently.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hierarchyRoots, readCgroupMounts, removeCgroupTree, type CgroupMounts } from "../../src/runtime/cgroups.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { TEST_CGROUP_PARENT } from "../helpers/sandbox.js";

/** missing names what these tests lack: they make and remove cgroups, as root. */
const missing = process.getuid?.() !== 0 ? "they need root (cgroups are made and removed)" : undefined;
requirePrerequisites("cgroup removal tests", missing);

describe.skipIf(missing !== undefined)("removeCgroupTree", () => {
  let mounts: CgroupMounts;
  beforeAll(async () => {
    mounts = await readCgroupMounts();
    expect(hierarchyRoots(mounts).length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    if (mounts) await removeCgroupTree(mounts, TEST_CGROUP_PARENT);
  });

  /** made makes `rel` with children a/b and c in every hierarchy and returns the roots. */
  const made = (rel: string): string[] => {
    const roots = hierarchyRoots(mounts);
    for (const root of roots) for (const sub of ["a/b", "c"]) mkdirSync(join(root, rel, sub), { recursive: true });
    return roots;
  };

  it("removes a cgroup and its nested children from every hierarchy", async () => {
    const rel = `${TEST_CGROUP_PARENT}/tree`;
    const roots = made(rel);
    await removeCgroupTree(mounts, rel);
    expect(roots.filter((root) => existsSync(join(root, rel)))).toEqual([]);
    // Removing what is gone is no error.
    await removeCgroupTree(mounts, rel);
  });

  it("reports a cgroup a process is still in as busy after the wait, and removes it once the process left", async () => {
    const pids = mounts.v1.get("pids") ?? mounts.unified;
    expect(pids).toBeDefined();
    const rel = `${TEST_CGROUP_PARENT}/busy`;
    made(rel);
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    const gone = new Promise((resolve) => sleeper.on("exit", resolve));
    try {
      writeFileSync(join(pids as string, rel, "a/b/cgroup.procs"), String(sleeper.pid));
      await expect(removeCgroupTree(mounts, rel, 100)).rejects.toThrow(/EBUSY/);
      expect(existsSync(join(pids as string, rel, "a/b"))).toBe(true);
    } finally {
      sleeper.kill("SIGKILL");
      await gone;
    }
    await removeCgroupTree(mounts, rel);
    expect(hierarchyRoots(mounts).filter((root) => existsSync(join(root, rel)))).toEqual([]);
  });
});
