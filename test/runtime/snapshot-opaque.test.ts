// Opaque directories: a step that replaces directories leaves an upper dir with no opaque marker,
// only the whiteouts BuildKit's overlay differ writes (one per hidden lower child, none when no
// directory was below), in overlay and copy mode alike; mounted again over the same lowers, that
// upper shows the same tree the step left. Needs root; under CI=true it always runs.
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSnapshotDirs, diffUpper, mountSnapshot, type SnapshotMode } from "../../src/runtime/snapshot.js";
import { lowerDirChildren } from "../../src/runtime/opaque.js";
import { readXattrTree, type Xattrs } from "../../src/runtime/xattr.js";
import { makeWhiteouts } from "../../src/runtime/nodes.js";
import { mountsUnder, setXattr, shouldSkip, stampTimes } from "../helpers/snapshot.js";

const skip = shouldSkip("opaque snapshot tests");
let tmp = "";

/** makeLowers builds a base layer and a layer over it that deletes `top/gone` and makes `o` opaque. */
async function makeLowers(root: string): Promise<string[]> {
  const base = join(root, "base");
  const over = join(root, "over");
  for (const d of ["swap/sub", "swap/keep", "tofile/deep", "o", "plain", "top"]) mkdirSync(join(base, d), { recursive: true });
  for (const f of ["swap/a", "swap/b", "swap/sub/s1", "swap/sub/s2", "swap/keep/k", "tofile/deep/t", "o/old", "file", "top/gone", "top/stay"]) writeFileSync(join(base, f), `${f}\n`);
  mkdirSync(join(over, "o"), { recursive: true });
  mkdirSync(join(over, "top"), { recursive: true });
  writeFileSync(join(over, "o/new"), "new\n");
  setXattr(join(over, "o"), "trusted.overlay.opaque", "y");
  await makeWhiteouts([join(over, "top/gone")]);
  await stampTimes(base);
  await stampTimes(over);
  return [over, base];
}

/** replaceAll is the step: every kind of replacement the layer must record. */
function replaceAll(t: string): void {
  // A directory deleted and made again, with a new child, a recreated one and a recreated subdirectory.
  rmSync(join(t, "swap"), { recursive: true });
  mkdirSync(join(t, "swap/sub"), { recursive: true });
  writeFileSync(join(t, "swap/a"), "again\n");
  writeFileSync(join(t, "swap/n"), "n\n");
  writeFileSync(join(t, "swap/sub/s1"), "s1 again\n");
  utimesSync(join(t, "swap"), 1_500_000_000, 1_500_000_000);
  // A file replaced by a directory, and a directory replaced by a file.
  rmSync(join(t, "file"));
  mkdirSync(join(t, "file"));
  writeFileSync(join(t, "file/in"), "in\n");
  rmSync(join(t, "tofile"), { recursive: true });
  writeFileSync(join(t, "tofile"), "now a file\n");
  // A directory that is opaque in a lower layer: only what the merged view shows is hidden.
  rmSync(join(t, "o"), { recursive: true });
  mkdirSync(join(t, "o"));
  // Deleted and made again where a lower layer already deleted a child.
  rmSync(join(t, "top"), { recursive: true });
  mkdirSync(join(t, "top"));
}

/** treeOf lists every path under `root` with its type and, for files, content. */
function treeOf(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, p));
    out.push(st.isDirectory() ? `${p}/` : `${p} ${JSON.stringify(readFileSync(join(root, p), "utf8"))}`);
    if (st.isDirectory()) out.push(...treeOf(root, p));
  }
  return out;
}

/** runStep runs replaceAll on a writable snapshot and returns its upper dir and the tree the step left. */
async function runStep(mode: SnapshotMode, lowers: string[], step = replaceAll): Promise<{ upper: string; seen: string[]; attrs: ReadonlyMap<string, Xattrs> | undefined }> {
  const dirs = await createSnapshotDirs(join(tmp, "mounts"));
  const snap = await mountSnapshot({ lowers, upper: dirs.upper, work: dirs.work, target: dirs.target, mode });
  let seen: string[] = [];
  try {
    step(dirs.target);
    seen = treeOf(dirs.target);
  } finally {
    await snap.release();
  }
  return { upper: dirs.upper, seen, attrs: snap.upperXattrs?.() };
}

/** EXPECTED is the layer BuildKit writes for replaceAll (whiteouts as `whiteout PATH`). */
const EXPECTED = [
  "dir file", "file file/in", "dir o", "whiteout o/new", "dir swap", "file swap/a", "whiteout swap/b", "whiteout swap/keep",
  "file swap/n", "dir swap/sub", "file swap/sub/s1", "whiteout swap/sub/s2", "file tofile", "dir top", "whiteout top/stay",
];

describe.skipIf(skip)("snapshot: opaque directories", () => {
  let lowers: string[] = [];
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "tsbuild-opaque-"));
    lowers = await makeLowers(tmp);
  });
  afterAll(() => {
    const left = mountsUnder(tmp);
    rmSync(tmp, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it("lowerDirChildren follows overlayfs: whiteouts and opaque layers hide, non-directories are no directory", async () => {
    expect([...((await lowerDirChildren(lowers, "o")) ?? [])]).toEqual([["new", false]]);
    expect([...((await lowerDirChildren(lowers, "top")) ?? [])]).toEqual([["stay", false]]);
    expect([...((await lowerDirChildren(lowers, "swap")) ?? new Map())].sort()).toEqual([["a", false], ["b", false], ["keep", true], ["sub", true]]);
    expect(await lowerDirChildren(lowers, "file")).toBeUndefined();
    expect(await lowerDirChildren(lowers, "file/x")).toBeUndefined();
    expect(await lowerDirChildren(lowers, "top/gone")).toBeUndefined();
    expect(await lowerDirChildren(lowers, "absent")).toBeUndefined();
  });

  it("reads no attributes when every directory of the upper is new (nothing below can be hidden)", async () => {
    const { upper, attrs } = await runStep("overlay", lowers, (t) => {
      mkdirSync(join(t, "fresh/deeper"), { recursive: true });
      writeFileSync(join(t, "fresh/deeper/f"), "f\n");
      writeFileSync(join(t, "plain-file"), "p\n");
    });
    expect(attrs).toBeUndefined();
    expect((await diffUpper(upper)).map((d) => `${d.kind} ${d.path}`)).toEqual(["dir fresh", "dir fresh/deeper", "file fresh/deeper/f", "file plain-file"]);
  });

  for (const mode of ["overlay", "copy"] as const) {
    it(`writes whiteouts per hidden child and no opaque marker (${mode})`, async () => {
      const { upper, seen, attrs } = await runStep(mode, lowers);
      expect(attrs, "release hands on the attributes it read, as they are after the rewrite").toEqual(await readXattrTree(upper));
      const diff = await diffUpper(upper);
      expect(diff.map((d) => `${d.kind} ${d.path}`)).toEqual(EXPECTED);
      expect(diff.find((d) => d.path === "swap")?.mtime, "the directory keeps the time the step gave it").toBe(1_500_000_000);
      expect(execFileSync("getfattr", ["-R", "-h", "-d", "-m", "^trusted\\.overlay\\.opaque$", "--absolute-names", upper], { encoding: "utf8" })).toBe("");

      // Mounted again over the same lowers, the rewritten upper shows exactly what the step left.
      const dirs = await createSnapshotDirs(join(tmp, "mounts"));
      const view = await mountSnapshot({ lowers: [upper, ...lowers], target: dirs.target, readOnly: true, mode });
      try {
        expect(treeOf(dirs.target)).toEqual(seen);
      } finally {
        await view.release();
      }
    });
  }
});
