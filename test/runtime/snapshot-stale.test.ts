// Stale mount cleanup: a snapshot mounted by a process that was SIGKILLed is detached and removed
// by cleanupStaleMounts; live snapshots and mounts outside the root are left alone.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupStaleMounts, createSnapshotDirs, mountSnapshot, unmount } from "../../src/runtime/snapshot.js";
import { mountsUnder, shouldSkip } from "../helpers/snapshot.js";

const CHILD = resolve(import.meta.dirname, "../helpers/snapshot-child.ts");
const skip = shouldSkip("stale mount tests");

/** mountInKilledChild runs the child until it has mounted, SIGKILLs it, waits for its exit, and returns its target. */
async function mountInKilledChild(root: string): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, root], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const target = await new Promise<string>((res, rej) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^ready (.+)\n/.exec(out);
      if (m?.[1]) res(m[1]);
    });
    child.on("exit", (code) => rej(new Error(`child exited with ${code} before mounting: ${err}`)));
  });
  const exited = new Promise((res) => child.on("exit", res));
  child.kill("SIGKILL");
  await exited;
  return target;
}

describe.skipIf(skip)("cleanupStaleMounts", () => {
  let tmp = "";
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "tsbuild-stale-"));
  });
  afterAll(() => {
    const left = mountsUnder(tmp);
    for (const m of left.reverse()) execFileSync("umount", ["-l", m]);
    rmSync(tmp, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it("detaches and removes what a SIGKILLed process left mounted", async () => {
    const root = join(tmp, "mounts with\tspace");
    const target = await mountInKilledChild(root);
    expect(mountsUnder(root)).toEqual([target]);
    expect(readFileSync(join(target, "written"), "utf8")).toBe("by the killed step\n");
    const report = await cleanupStaleMounts(root);
    expect(report.unmounted).toEqual([target]);
    expect(report.removed).toEqual([join(target, "..")]);
    expect(mountsUnder(root)).toEqual([]);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(target);
    expect(existsSync(join(target, ".."))).toBe(false);
    expect(readFileSync(join(`${root}.lower`, "file"), "utf8")).toBe("lower\n");
  });

  it("leaves live snapshots and mounts outside the root alone, and runs again harmlessly", async () => {
    const root = join(tmp, "mounts2");
    const lower = join(tmp, "lower2");
    mkdirSync(lower);
    writeFileSync(join(lower, "f"), "f");
    const mine = await createSnapshotDirs(root);
    const snap = await mountSnapshot({ lowers: [lower], upper: mine.upper, work: mine.work, target: mine.target, mode: "overlay" });
    const outside = join(tmp, "outside");
    mkdirSync(outside);
    execFileSync("mount", ["-t", "tmpfs", "tsbuild-test", outside]);
    try {
      const stale = await mountInKilledChild(root);
      const report = await cleanupStaleMounts(root);
      expect(report.unmounted).toEqual([stale]);
      expect(mountsUnder(root)).toEqual([mine.target]);
      expect(mountsUnder(outside)).toEqual([outside]);
      expect(readFileSync(join(mine.target, "f"), "utf8")).toBe("f");
      expect(await cleanupStaleMounts(root)).toEqual({ unmounted: [], removed: [] });
    } finally {
      await snap.release();
      await unmount(outside);
    }
    expect(await cleanupStaleMounts(join(tmp, "missing"))).toEqual({ unmounted: [], removed: [] });
    const old = join(root, "stray-file");
    writeFileSync(old, "");
    execFileSync("touch", ["-d", "@1000000000", old]);
    expect((await cleanupStaleMounts(root)).removed).toEqual([old]);
  });

  it("leaves a snapshot dir alone that another process makes while the cleanup runs", async () => {
    const root = join(tmp, "mounts3");
    mkdirSync(root);
    // Many dead dirs keep the cleanup busy checking owners; a build starting meanwhile makes its own dir.
    for (let i = 0; i < 300; i++) {
      mkdirSync(join(root, `dead-${i}`));
      writeFileSync(join(root, `dead-${i}`, "owner"), "999999999 1\n");
    }
    const cleaning = cleanupStaleMounts(root);
    await new Promise((r) => setTimeout(r, 2));
    const fresh = await createSnapshotDirs(root);
    const report = await cleaning;
    expect(report.removed).toHaveLength(300);
    expect(report.removed).not.toContain(fresh.dir);
    expect(existsSync(fresh.upper)).toBe(true);
    expect(existsSync(fresh.work)).toBe(true);
  });
});
