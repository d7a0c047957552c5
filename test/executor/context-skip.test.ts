// openContext's skipDirs: directories left out of the context whatever the ignore file says
// (the build passes its store), matched by device and inode, with a ContextDirSkipped warning.
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContext } from "../../src/executor/context.js";
import { tempDir, writeTree } from "./context-helpers.js";

describe("openContext skipDirs", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it("leaves out a directory named through a symlink, nested anywhere, and warns once", async () => {
    writeTree(dir, { "ctx/app.txt": "a", "ctx/deep/st/meta.db": "db", "ctx/deep/st/blobs/b": "b", "ctx/deep/other": "o" });
    symlinkSync(join(dir, "ctx/deep/st"), join(dir, "link"));
    const ctx = await openContext(join(dir, "ctx"), { skipDirs: [{ path: join(dir, "link"), why: "it is the store" }] });
    expect([...ctx.entries.keys()].sort()).toEqual([".", "app.txt", "deep", "deep/other"]);
    expect(ctx.children.get("deep")).toEqual(["other"]);
    expect(ctx.warnings).toEqual([{ code: "ContextDirSkipped", path: "deep/st", message: `leaving "deep/st" out of the build context: it is the store` }]);
  });

  it("ignores skip paths that are missing or not directories, and directories outside the context", async () => {
    writeTree(dir, { "ctx/app.txt": "a", "ctx/sub/f": "f", "outside/x": "x" });
    const skipDirs = [join(dir, "nope"), join(dir, "ctx/app.txt"), join(dir, "outside")].map((path) => ({ path, why: "no" }));
    const ctx = await openContext(join(dir, "ctx"), { skipDirs });
    expect([...ctx.entries.keys()].sort()).toEqual([".", "app.txt", "sub", "sub/f"]);
    expect(ctx.warnings).toEqual([]);
  });
});
