// Snapshots: a RUN-like sequence of plain fs calls on an overlay mount (and on the copy fallback)
// gives exactly the golden DiffEntry list. Needs root; under CI=true it always runs.
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, chownSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSnapshotDirs, diffUpper, mountSnapshot, removeSnapshotDirs, unmount, type SnapshotMode } from "../../src/runtime/snapshot.js";
import { makeWhiteouts } from "../../src/runtime/nodes.js";
import { expectGolden } from "../helpers/golden.js";
import { mountsUnder, normalizeDiff, setXattr, shouldSkip, stampTimes } from "../helpers/snapshot.js";

const GOLDEN = join(import.meta.dirname, "../../fixtures/snapshot/run-sequence.golden.json");
/** CAP_NET_BIND_SERVICE+ep as setcap writes it (VFS_CAP_REVISION_2). */
const CAPABILITY = "0x0100000200040000000000000000000000000000";
const ODD = "odd dir/é ü\nnl=x";
const skip = shouldSkip("snapshot tests");

let tmp = "";

/** makeLowers builds two layer dirs in overlay upper format: a base and a layer on top of it with a whiteout and an opaque dir. */
async function makeLowers(root: string): Promise<string[]> {
  const base = join(root, "layer-base");
  const top = join(root, "layer-top");
  for (const d of ["etc", "d/sub", "gone", "bin", "o", "odd dir"]) mkdirSync(join(base, d), { recursive: true });
  writeFileSync(join(base, "etc/config"), "a=1\n");
  writeFileSync(join(base, "etc/old"), "old\n");
  writeFileSync(join(base, "etc/keep"), "keep\n");
  writeFileSync(join(base, "d/a"), "a\n");
  writeFileSync(join(base, "d/sub/b"), "b\n");
  writeFileSync(join(base, "gone/x"), "x\n");
  writeFileSync(join(base, "bin/tool"), "tool\n", { mode: 0o755 });
  writeFileSync(join(base, "bin/tool2"), "tool2\n", { mode: 0o755 });
  writeFileSync(join(base, "o/hidden"), "hidden\n");
  writeFileSync(join(base, "shadowed"), "shadowed\n");
  writeFileSync(join(base, "etc/hl-a"), "pair\n");
  linkSync(join(base, "etc/hl-a"), join(base, "etc/hl-b"));
  writeFileSync(join(base, "etc/to-move"), "moved\n");
  for (const d of ["etc", "o"]) mkdirSync(join(top, d), { recursive: true });
  writeFileSync(join(top, "etc/added"), "added\n");
  writeFileSync(join(top, "o/visible"), "visible\n");
  setXattr(join(top, "o"), "trusted.overlay.opaque", "y");
  await makeWhiteouts([join(top, "shadowed")]);
  await stampTimes(base);
  await stampTimes(top);
  return [top, base];
}

/** runSequence does what a RUN step would, with plain fs calls inside the snapshot. */
function runSequence(t: string): void {
  writeFileSync(join(t, "new.txt"), "hello\n");
  appendFileSync(join(t, "etc/config"), "b=2\n");
  rmSync(join(t, "etc/old"));
  rmSync(join(t, "d"), { recursive: true });
  mkdirSync(join(t, "d"));
  writeFileSync(join(t, "d/x"), "");
  chmodSync(join(t, "bin/tool"), 0o700);
  symlinkSync("new.txt", join(t, "link"));
  linkSync(join(t, "new.txt"), join(t, "new-hl"));
  setXattr(join(t, "bin/tool2"), "security.capability", CAPABILITY);
  rmSync(join(t, "gone"), { recursive: true });
  chownSync(join(t, "etc/keep"), 1000, 1000);
  writeFileSync(join(t, "o/visible2"), "v2\n");
  writeFileSync(join(t, ODD), "odd\n");
  setXattr(join(t, ODD), "user.note", "0x00ff0a3d");
  execFileSync("mkfifo", ["-m", "640", join(t, "fifo")]);
  appendFileSync(join(t, "etc/hl-a"), "one side\n");
  renameSync(join(t, "etc/to-move"), join(t, "etc/moved"));
}

async function runIn(mode: SnapshotMode, lowers: string[], upperOn?: string) {
  const dirs = await createSnapshotDirs(join(tmp, "mounts"));
  const upper = upperOn ?? dirs.upper;
  const snap = await mountSnapshot({ lowers, upper, work: dirs.work, target: dirs.target, mode });
  expect(snap.mode).toBe(mode);
  try {
    expect(execFileSync("cat", [join(dirs.target, "etc/added"), join(dirs.target, "o/visible")], { encoding: "utf8" })).toBe("added\nvisible\n");
    runSequence(dirs.target);
  } finally {
    await snap.release();
  }
  expect(mountsUnder(dirs.dir)).toEqual([]);
  return diffUpper(upper);
}

describe.skipIf(skip)("snapshot: RUN-like sequence", () => {
  let lowers: string[] = [];
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "tsbuild-snap-"));
    lowers = await makeLowers(tmp);
  });
  afterAll(() => {
    const left = mountsUnder(tmp);
    rmSync(tmp, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it("overlay gives the golden diff", async () => {
    const diff = await runIn("overlay", lowers);
    expectGolden(GOLDEN, await normalizeDiff(diff));
  });

  it("the copy fallback gives the same diff", async () => {
    const overlay = await normalizeDiff(await runIn("overlay", lowers));
    const copy = await normalizeDiff(await runIn("copy", lowers));
    expect(copy).toEqual(overlay);
  });

  for (const mode of ["overlay", "copy"] as const) {
    it(`a read-only snapshot refuses writes and leaves nothing behind (${mode})`, async () => {
      const dirs = await createSnapshotDirs(join(tmp, "mounts"));
      const snap = await mountSnapshot({ lowers, target: dirs.target, readOnly: true, mode });
      try {
        expect(() => writeFileSync(join(dirs.target, "x"), "")).toThrow(/EROFS/);
        expect(readFileSync(join(dirs.target, "etc/config"), "utf8")).toBe("a=1\n");
      } finally {
        await snap.release();
        await snap.release();
      }
      expect(mountsUnder(dirs.dir)).toEqual([]);
      expect(readdirSync(dirs.target)).toEqual([]);
    });
  }

  it("the copy fallback gives the same diff with its upper dir on another filesystem", async () => {
    const other = join(tmp, "tmpfs-upper");
    mkdirSync(other);
    execFileSync("mount", ["-t", "tmpfs", "tsbuild-test", other]);
    try {
      const overlay = await normalizeDiff(await runIn("overlay", lowers));
      const copy = await normalizeDiff(await runIn("copy", lowers, other));
      expect(copy).toEqual(overlay);
    } finally {
      await unmount(other);
    }
  });

  it("a copy refuses a 0/0 device made by the step, as overlayfs does", async () => {
    const dirs = await createSnapshotDirs(join(tmp, "mounts"));
    const snap = await mountSnapshot({ lowers, upper: dirs.upper, work: dirs.work, target: dirs.target, mode: "copy" });
    await makeWhiteouts([join(dirs.target, "etc/fake")]);
    await expect(snap.release()).rejects.toThrow(/etc\/fake is a character device 0\/0/);
  });

  it("release detaches a busy overlay lazily", async () => {
    const dirs = await createSnapshotDirs(join(tmp, "mounts"));
    const snap = await mountSnapshot({ lowers, upper: dirs.upper, work: dirs.work, target: dirs.target, mode: "overlay" });
    const fd = openSync(join(dirs.target, "etc/config"), "r");
    try {
      await expect(removeSnapshotDirs(dirs)).rejects.toThrow(/still mounted/);
      await snap.release();
      expect(mountsUnder(dirs.dir)).toEqual([]);
    } finally {
      closeSync(fd);
    }
    await removeSnapshotDirs(dirs);
    expect(existsSync(dirs.dir)).toBe(false);
  });

  it("an aborted copy stops and leaves nothing mounted", async () => {
    const dirs = await createSnapshotDirs(join(tmp, "mounts"));
    const opts = { lowers, upper: dirs.upper, work: dirs.work, target: dirs.target, mode: "copy" as const, signal: AbortSignal.abort() };
    await expect(mountSnapshot(opts)).rejects.toThrow(/abort/i);
    expect(mountsUnder(dirs.dir)).toEqual([]);
    await removeSnapshotDirs(dirs);
  });

  it("auto mode picks overlayfs where the kernel mounts it", async () => {
    const dirs = await createSnapshotDirs(join(tmp, "mounts"));
    const snap = await mountSnapshot({ lowers, upper: dirs.upper, work: dirs.work, target: dirs.target });
    await snap.release();
    expect(snap.mode).toBe("overlay");
  });

  it("a discarded snapshot only unmounts: the upper is not rewritten as a layer", async () => {
    for (const mode of ["overlay", "copy"] as const) {
      const dirs = await createSnapshotDirs(join(tmp, "mounts"));
      const snap = await mountSnapshot({ lowers, upper: dirs.upper, work: dirs.work, target: dirs.target, mode, discard: true });
      // A directory deleted and made again: kept, its release would write whiteouts of the lower children.
      rmSync(join(dirs.target, "d"), { recursive: true });
      mkdirSync(join(dirs.target, "d"));
      await snap.release();
      expect(mountsUnder(dirs.dir)).toEqual([]);
      expect(readdirSync(dirs.target)).toEqual([]);
      // overlayfs left its opaque dir as it was; the copy recorded nothing at all.
      expect(readdirSync(dirs.upper)).toEqual(mode === "overlay" ? ["d"] : []);
      if (mode === "overlay") expect(readdirSync(join(dirs.upper, "d"))).toEqual([]);
    }
  });

  it("a writable snapshot without lowers (FROM scratch) works in both modes", async () => {
    for (const mode of ["overlay", "copy"] as const) {
      const dirs = await createSnapshotDirs(join(tmp, "mounts"));
      const snap = await mountSnapshot({ lowers: [], upper: dirs.upper, work: dirs.work, target: dirs.target, mode });
      writeFileSync(join(dirs.target, "only"), "1");
      await snap.release();
      expect((await diffUpper(dirs.upper)).map((e) => `${e.kind} ${e.path}`)).toEqual(["file only"]);
    }
  });
});
