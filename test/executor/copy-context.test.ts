// The synchronous COPY path for small context files: bytes, owner, mode and times land as asked,
// and a context that changed after the walk (file modified, replaced, swapped for a symlink, a
// directory swapped for a symlink out of the context) is refused without writing through it.
import { appendFileSync, closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContext, select, type BuildContext, type ContextEntry } from "../../src/executor/context.js";
import { DirChainSync } from "../../src/executor/context-fs.js";
import { copySmallContextFiles, type FileJob } from "../../src/executor/ops/copy-context.js";
import { tempDir, writeTree } from "./context-helpers.js";

let base: string;
let ctxDir: string;
let dest: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir: base, cleanup } = tempDir("tsbuild-copyctx-"));
  ctxDir = join(base, "ctx");
  dest = join(base, "dest");
  mkdirSync(dest);
  writeTree(ctxDir, { "a.txt": "alpha\n", "d/b.bin": "b".repeat(70_000), "d/e/c": "", "x/secret": "HOST\n" });
});
afterEach(() => cleanup());

/** copyAll copies every file under `source` flat into dest, named by its path with `/` as `_`. */
async function copyAll(ctx: BuildContext, source: string): Promise<void> {
  const files = select(ctx, [source]).entries.filter((e) => e.type === "file");
  const jobs = new Map<ContextEntry, FileJob>(files.map((e) => [e, { parent: "/", name: e.path.replaceAll("/", "_"), meta: { mode: 0o640, uid: 12, gid: 34, mtime: new Date(1_000_000_000_000) } }]));
  await copySmallContextFiles(ctx, files, jobs, async () => dest);
}

describe("copySmallContextFiles", () => {
  it("copies bytes and sets owner, mode and mtime", async () => {
    const ctx = await openContext(ctxDir);
    await copyAll(ctx, ".");
    expect(readdirSync(dest).sort()).toEqual(["a.txt", "d_b.bin", "d_e_c", "x_secret"]);
    expect(readFileSync(join(dest, "d_b.bin"), "utf8")).toBe("b".repeat(70_000));
    expect(readFileSync(join(dest, "d_e_c"), "utf8")).toBe("");
    const st = lstatSync(join(dest, "a.txt"));
    expect([st.mode & 0o7777, st.uid, st.gid, st.mtimeMs]).toEqual([0o640, 12, 34, 1_000_000_000_000]);
  });

  it("replaces a symlink at the destination instead of writing through it", async () => {
    const ctx = await openContext(ctxDir);
    const outside = join(base, "outside");
    writeFileSync(outside, "keep\n");
    symlinkSync(outside, join(dest, "a.txt"));
    await copyAll(ctx, "a.txt");
    expect(readFileSync(outside, "utf8")).toBe("keep\n");
    expect(lstatSync(join(dest, "a.txt")).isFile()).toBe(true);
  });

  it("refuses a file modified after the walk", async () => {
    const ctx = await openContext(ctxDir);
    appendFileSync(join(ctxDir, "a.txt"), "more\n");
    await expect(copyAll(ctx, "a.txt")).rejects.toThrow(/"a.txt" was modified/);
  });

  it("refuses a file replaced by another inode or by a symlink", async () => {
    const ctx = await openContext(ctxDir);
    writeFileSync(join(ctxDir, "new"), "alpha\n");
    renameSync(join(ctxDir, "new"), join(ctxDir, "a.txt"));
    await expect(copyAll(ctx, "a.txt")).rejects.toThrow(/"a.txt" was replaced/);
    renameSync(join(ctxDir, "a.txt"), join(base, "gone"));
    symlinkSync(join(ctxDir, "x/secret"), join(ctxDir, "a.txt"));
    await expect(copyAll(ctx, "a.txt")).rejects.toThrow(/"a.txt" was replaced or removed/);
  });

  it("refuses a directory swapped for a symlink out of the context and copies nothing through it", async () => {
    const ctx = await openContext(ctxDir);
    renameSync(join(ctxDir, "x"), join(base, "x.old"));
    symlinkSync(join(base, "x.old"), join(ctxDir, "x"));
    await expect(copyAll(ctx, "x")).rejects.toThrow(/"x" was replaced or removed/);
    expect(readdirSync(dest)).toEqual([]);
  });
});

describe("DirChainSync", () => {
  /** openFds counts this process's open descriptors. */
  const openFds = (): number => readdirSync("/proc/self/fd").length;

  it("opens each directory of a walk once, keeping the open ancestors, and closes them all", async () => {
    const ctx = await openContext(ctxDir);
    const root = openSync(ctxDir, "r");
    try {
      const before = openFds();
      const chain = new DirChainSync(root, ctx.entries);
      expect(chain.open(".")).toBe(root);
      const e = chain.open("d/e");
      expect(fstatSync(e).ino).toBe(lstatSync(join(ctxDir, "d/e")).ino);
      expect(openFds()).toBe(before + 2);
      const d = chain.open("d");
      expect(fstatSync(d).ino).toBe(lstatSync(join(ctxDir, "d")).ino);
      expect(openFds()).toBe(before + 1);
      chain.open("x");
      expect(openFds()).toBe(before + 1);
      chain.close();
      expect(openFds()).toBe(before);
    } finally {
      closeSync(root);
    }
  });

  it("refuses a directory replaced after the walk, or swapped for a symlink", async () => {
    const ctx = await openContext(ctxDir);
    const root = openSync(ctxDir, "r");
    try {
      renameSync(join(ctxDir, "d"), join(base, "d.old"));
      mkdirSync(join(ctxDir, "d"));
      const chain = new DirChainSync(root, ctx.entries);
      expect(() => chain.open("d/e")).toThrow(/"d" was replaced/);
      chain.close();
      renameSync(join(ctxDir, "x"), join(base, "x.old"));
      symlinkSync(join(base, "x.old"), join(ctxDir, "x"));
      expect(() => chain.open("x")).toThrow(/"x" was replaced or removed/);
      chain.close();
    } finally {
      closeSync(root);
    }
  });
});
