// Deep layer stacks: 150 lowers mount (the mount data would not fit one page with full paths),
// the top layer wins, a whiteout in the middle hides what is below it; copy mode agrees.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWhiteouts } from "../../src/runtime/nodes.js";
import { createSnapshotDirs, diffUpper, MAX_LOWERS, mountSnapshot } from "../../src/runtime/snapshot.js";
import { mountsUnder, shouldSkip } from "../helpers/snapshot.js";

const LAYERS = 150;
const skip = shouldSkip("deep snapshot tests");

describe.skipIf(skip)("snapshots with many lowers", () => {
  let tmp = "";
  const lowers: string[] = [];
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "tsbuild-lowers-"));
    // Long directory names: 150 absolute paths of ~130 bytes would need ~20 KiB of mount data.
    for (let i = 0; i < LAYERS; i++) {
      // Colons and commas would break a lowerdir= list if paths were written into it.
      const dir = join(tmp, "layers", `${"x".repeat(64)}-${String(i).padStart(3, "0")}-${i % 7 === 0 ? "a:b,c " : ""}${"y".repeat(40)}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `f${i}`), String(i));
      writeFileSync(join(dir, "shared"), String(i));
      lowers.unshift(dir); // top first: the last one written is the top
    }
    await makeWhiteouts([join(lowers[10] as string, "f20")]);
  });
  afterAll(() => {
    const left = mountsUnder(tmp);
    rmSync(tmp, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  for (const mode of ["overlay", "copy"] as const) {
    it(`mounts ${LAYERS} lowers (${mode})`, async () => {
      const dirs = await createSnapshotDirs(join(tmp, "mounts"));
      const snap = await mountSnapshot({ lowers, upper: dirs.upper, work: dirs.work, target: dirs.target, mode });
      try {
        const names = readdirSync(dirs.target);
        expect(names).toHaveLength(LAYERS); // f0..f149 without f20, plus shared
        expect(names).not.toContain("f20");
        expect(readFileSync(join(dirs.target, "shared"), "utf8")).toBe(String(LAYERS - 1));
        expect(readFileSync(join(dirs.target, "f0"), "utf8")).toBe("0");
        writeFileSync(join(dirs.target, "shared"), "top");
      } finally {
        await snap.release();
      }
      expect(mountsUnder(dirs.dir)).toEqual([]);
      expect((await diffUpper(dirs.upper)).map((e) => `${e.kind} ${e.path} ${e.size}`)).toEqual(["file shared 3"]);
    });
  }

  it("refuses more lowers than overlayfs stacks, naming the limit", async () => {
    const dirs = await createSnapshotDirs(join(tmp, "mounts"));
    const many = Array.from({ length: MAX_LOWERS + 1 }, () => lowers[0] as string);
    await expect(mountSnapshot({ lowers: many, upper: dirs.upper, work: dirs.work, target: dirs.target, mode: "overlay" })).rejects.toThrow(/limit of 500/);
    expect(mountsUnder(dirs.dir)).toEqual([]);
  });
});
