// What the content digest of a context selection covers: path, type, mode, owner, symlink
// target and bytes; never times, inode or the directory the context lives in.
import { chmodSync, chownSync, lchownSync, linkSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContext, select, hashSelection } from "../../src/executor/context.js";
import { chownAll, digestOfDir, setAllTimes, tempDir, writeTree, type TreeSpec } from "./context-helpers.js";

const SPEC: TreeSpec = {
  "app.js": "console.log('hi')\n",
  "bin": { dir: true },
  "bin/run": { content: "#!/bin/sh\necho run\n", mode: 0o755 },
  "lib": { dir: true },
  "lib/util.js": "export const x = 1;\n",
  "lib/link": { link: "../app.js" },
  "empty": "",
};

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  writeTree(dir, SPEC);
});
afterEach(() => cleanup());

describe("context digest", () => {
  it("is stable across calls and across an mtime-only touch", async () => {
    const before = await digestOfDir(dir);
    expect(await digestOfDir(dir)).toBe(before);
    utimesSync(join(dir, "app.js"), 1_000_000, 1_000_000);
    utimesSync(join(dir, "lib"), 2_000_000, 2_000_000);
    expect(await digestOfDir(dir)).toBe(before);
  });

  it("changes with file content, even at the same size", async () => {
    const before = await digestOfDir(dir);
    writeFileSync(join(dir, "app.js"), "console.log('ho')\n");
    expect(await digestOfDir(dir)).not.toBe(before);
  });

  it("changes with permission bits and with setuid, setgid and sticky bits", async () => {
    const seen = new Set([await digestOfDir(dir)]);
    for (const mode of [0o600, 0o4644, 0o2644, 0o1644]) {
      chmodSync(join(dir, "app.js"), mode);
      seen.add(await digestOfDir(dir));
    }
    chmodSync(join(dir, "app.js"), 0o644);
    chmodSync(join(dir, "bin"), 0o700);
    seen.add(await digestOfDir(dir));
    expect(seen.size).toBe(6);
  });

  it("changes with uid and with gid (files, directories and symlinks themselves)", async () => {
    const base = await digestOfDir(dir);
    chownSync(join(dir, "app.js"), 1000, 0);
    const uid = await digestOfDir(dir);
    chownSync(join(dir, "app.js"), 1000, 1000);
    const gid = await digestOfDir(dir);
    lchownSync(join(dir, "lib/link"), 7, 7);
    const link = await digestOfDir(dir);
    chownSync(join(dir, "lib"), 5, 5);
    const d = await digestOfDir(dir);
    expect(new Set([base, uid, gid, link, d]).size).toBe(5);
  });

  it("changes with a symlink's target and never reads through it", async () => {
    const before = await digestOfDir(dir);
    rmSync(join(dir, "lib/link"));
    symlinkSync("../bin/run", join(dir, "lib/link"));
    expect(await digestOfDir(dir)).not.toBe(before);
  });

  it("counts directory entries: an added empty directory or a renamed file changes it", async () => {
    const before = await digestOfDir(dir);
    mkdirSync(join(dir, "newdir"));
    const withDir = await digestOfDir(dir);
    expect(withDir).not.toBe(before);
    rmSync(join(dir, "newdir"), { recursive: true });
    expect(await digestOfDir(dir)).toBe(before);
    writeFileSync(join(dir, "app2.js"), "console.log('hi')\n");
    rmSync(join(dir, "app.js"));
    expect(await digestOfDir(dir)).not.toBe(before);
  });

  it("records hard links between selected files", async () => {
    const before = await digestOfDir(dir);
    rmSync(join(dir, "lib/util.js"));
    linkSync(join(dir, "app.js"), join(dir, "lib/util.js"));
    const linked = await digestOfDir(dir);
    rmSync(join(dir, "lib/util.js"));
    writeFileSync(join(dir, "lib/util.js"), "console.log('hi')\n");
    chmodSync(join(dir, "lib/util.js"), 0o644);
    const copied = await digestOfDir(dir);
    expect(new Set([before, linked, copied]).size).toBe(3);
    // Selected alone, a hard-linked file is a plain file.
    expect(await digestOfDir(dir, ["lib/util.js"])).toBe(await digestOfDir(dir, ["lib/util.js"]));
  });

  it("is the same for copies in two directories with different mtimes, umask and paths", async () => {
    // Modes are set explicitly (as `cp -a` or an archive would); umask only shapes creation.
    const other = tempDir("tsbuild-ctx-copy-");
    const old = process.umask(0o077);
    try {
      writeTree(other.dir, SPEC);
    } finally {
      process.umask(old);
    }
    // The context directories themselves differ (mkdtemp makes 0700; one is chowned): as in
    // BuildKit, the context root's own metadata is not part of the context.
    chmodSync(other.dir, 0o750);
    chownSync(other.dir, 5, 5);
    setAllTimes(dir, SPEC, 1_500_000_000);
    setAllTimes(other.dir, SPEC, 1_700_000_000);
    chownAll(dir, SPEC, 0, 0);
    chownAll(other.dir, SPEC, 0, 0);
    chownSync(other.dir, 5, 5);
    try {
      expect(await digestOfDir(other.dir)).toBe(await digestOfDir(dir));
      expect(await digestOfDir(other.dir, ["lib", "*.js"])).toBe(await digestOfDir(dir, ["lib", "*.js"]));
    } finally {
      other.cleanup();
    }
  });

  it("depends on what is selected, not on the rest of the context", async () => {
    const lib = await digestOfDir(dir, ["lib"]);
    writeFileSync(join(dir, "app.js"), "changed\n");
    writeFileSync(join(dir, "unrelated"), "x");
    expect(await digestOfDir(dir, ["lib"])).not.toBe(await digestOfDir(dir, ["bin"]));
    // lib/link's target is a string: the digest covers the string, not app.js's bytes.
    expect(await digestOfDir(dir, ["lib"])).toBe(lib);
  });

  it("covers a followed symlink's target when a source resolves through it", async () => {
    const ctx = await openContext(dir);
    const sel = select(ctx, ["lib/link"]);
    expect(sel.roots.map((r) => r.path)).toEqual(["app.js"]);
    expect(sel.links.map((l) => l.path)).toEqual(["lib/link"]);
    const viaLink = await hashSelection(ctx, sel);
    rmSync(join(dir, "lib/link"));
    symlinkSync("/app.js", join(dir, "lib/link"));
    const ctx2 = await openContext(dir);
    const sel2 = select(ctx2, ["lib/link"]);
    expect(sel2.roots.map((r) => r.path)).toEqual(["app.js"]);
    expect(await hashSelection(ctx2, sel2)).not.toBe(viaLink);
  });
});
