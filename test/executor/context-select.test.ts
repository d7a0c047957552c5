// Source selection with BuildKit's COPY semantics, and the choice and use of the ignore file.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compareBytes, ContextError, createContextHasher, openContext, select, selectFor, selectMount, selectorsOf, sortByBytes } from "../../src/executor/context.js";
import { contextSelectors, type ContextHasher } from "../../src/executor/index.js";
import type { CopyOp, ExecOp } from "../../src/planner/plan.js";
import { countingReader, rootPaths, tempDir, writeTree } from "./context-helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  writeTree(dir, {
    "a.txt": "a", "b.txt": "b", "B.md": "B", "hom.txt": "h", "home.md": "h", "arr[0].txt": "arr",
    "src/main.go": "m", "src/x/b.go": "b", "src/x/y/c.go": "c", "src/x/y/c.txt": "t",
    "x/y/a.txt": "1", "x/y/b.txt": "2", "x/z.txt": "3",
    "dir3/a.mp3": "", "dir3/b.txt": "", "dir3/sub/c.mp3": "",
  });
});
afterEach(() => cleanup());

describe("sortByBytes", () => {
  it("orders by UTF-8 bytes with and without astral code points, as compareBytes does", () => {
    const plain = ["b", "-x", ".", "a/b", "a", "a-b", "\u00e9", "Z", "\uff21"];
    expect(sortByBytes([...plain], (s) => s)).toEqual([...plain].sort(compareBytes));
    expect(sortByBytes([...plain], (s) => s)).toEqual(["-x", ".", "Z", "a", "a-b", "a/b", "b", "\u00e9", "\uff21"]);
    // U+1F600 is a surrogate pair in UTF-16, whose code units sort before U+FF21; in UTF-8 it sorts after.
    const astral = ["\u{1f600}", "\uff21", "a"];
    expect(sortByBytes([...astral], (s) => s)).toEqual(["a", "\uff21", "\u{1f600}"]);
  });

  it("puts a directory's root entry where bytewise order puts it when names sort before '.'", async () => {
    writeTree(dir, { "-early.txt": "e", " space.txt": "s" });
    const ctx = await openContext(dir);
    const paths = select(ctx, ["."]).entries.map((e) => e.path);
    expect(paths.slice(0, 3)).toEqual([" space.txt", "-early.txt", "."]);
  });
});

describe("select", () => {
  it("takes a directory with its whole subtree, sorted bytewise", async () => {
    const ctx = await openContext(dir);
    expect(rootPaths(ctx, ["src"])).toEqual([["src", "src/main.go", "src/x", "src/x/b.go", "src/x/y", "src/x/y/c.go", "src/x/y/c.txt"]]);
    expect(rootPaths(ctx, ["src/"])).toEqual(rootPaths(ctx, ["src"]));
    const all = select(ctx, ["."]).entries.map((e) => e.path);
    expect(all.slice(0, 4)).toEqual([".", "B.md", "a.txt", "arr[0].txt"]);
  });

  it("matches wildcards with filepath.Match: * stays within a component, a matched directory is taken whole", async () => {
    const ctx = await openContext(dir);
    expect(select(ctx, ["*.txt"]).roots.map((r) => r.path)).toEqual(["a.txt", "arr[0].txt", "b.txt", "hom.txt"]);
    expect(select(ctx, ["?.txt"]).roots.map((r) => r.path)).toEqual(["a.txt", "b.txt"]);
    expect(select(ctx, ["[ab].*"]).roots.map((r) => r.path)).toEqual(["a.txt", "b.txt"]);
    expect(select(ctx, ["arr[[]0].txt"]).roots.map((r) => r.path)).toEqual(["arr[0].txt"]);
    expect(select(ctx, ["src/*/*.go"]).roots.map((r) => r.path)).toEqual(["src/x/b.go"]);
    expect(rootPaths(ctx, ["x*"])).toEqual([["x", "x/y", "x/y/a.txt", "x/y/b.txt", "x/z.txt"]]);
    // Outside --parents, `**` is filepath.Match's `*` twice: it does not cross `/`.
    expect(select(ctx, ["src/**/*.go"]).roots.map((r) => r.path)).toEqual(["src/x/b.go"]);
  });

  it("selects nothing for a wildcard without matches, as BuildKit's AllowEmptyWildcard", async () => {
    const ctx = await openContext(dir);
    expect(select(ctx, ["*.nothing", "nodir/*.txt"]).entries).toEqual([]);
  });

  it("fails clearly for a missing source, naming it", async () => {
    const ctx = await openContext(dir);
    expect(() => select(ctx, ["a.txt", "missing.txt"])).toThrow(ContextError);
    expect(() => select(ctx, ["missing.txt"])).toThrow(/source "missing.txt" not found in the build context/);
    expect(() => select(ctx, ["a.txt/x"])).toThrow(/"a.txt" is not a directory/);
    expect(() => selectMount(ctx, "nope")).toThrow(/source "nope" not found/);
    expect(() => select(ctx, ["[a-"])).toThrow(/invalid pattern in source "\[a-"/);
  });

  it("applies --exclude relative to each selected root, never to the root itself", async () => {
    const ctx = await openContext(dir);
    expect(rootPaths(ctx, ["dir3"], { excludes: ["*.mp3"] })).toEqual([["dir3", "dir3/b.txt", "dir3/sub", "dir3/sub/c.mp3"]]);
    expect(rootPaths(ctx, ["dir3"], { excludes: ["**/*.mp3"] })).toEqual([["dir3", "dir3/b.txt", "dir3/sub"]]);
    expect(rootPaths(ctx, ["dir*"], { excludes: ["*"] })).toEqual([["dir3"]]);
    // fsutil's copier tests excludes on paths below each root (srcComponents), so a file that a
    // wildcard matched directly is copied even when an exclude pattern also matches its name.
    expect(rootPaths(ctx, ["hom*"], { excludes: ["*.txt"] })).toEqual([["hom.txt"], ["home.md"]]);
    expect(rootPaths(ctx, ["."], { excludes: ["src", "x", "dir3", "*.txt", "!b.txt"] })).toEqual([[".", "B.md", "b.txt", "home.md"]]);
  });

  it("keeps parents with --parents: /./ is the pivot, ** crosses directories, parent dirs come along", async () => {
    const ctx = await openContext(dir);
    expect(rootPaths(ctx, ["./x/./y/*.txt"], { parents: true })).toEqual([["x", "x/y", "x/y/a.txt", "x/y/b.txt"]]);
    expect(select(ctx, ["./x/./y/*.txt"], { parents: true }).roots[0]?.path).toBe("x");
    expect(rootPaths(ctx, ["./src/**/*.txt"], { parents: true })).toEqual([[".", "src", "src/x", "src/x/y", "src/x/y/c.txt"]]);
    expect(rootPaths(ctx, ["src/x"], { parents: true })).toEqual([[".", "src", "src/x", "src/x/b.go", "src/x/y", "src/x/y/c.go", "src/x/y/c.txt"]]);
    const star = select(ctx, ["./src/*/./y/*.go"], { parents: true });
    // A wildcard pivot gives one root per match; as in fsutil, the include pattern applies below
    // a root, so a file the pivot matched is taken as it is.
    expect(star.roots.map((r) => [r.path, r.entries.map((e) => e.path)])).toEqual([
      ["src/main.go", ["src/main.go"]],
      ["src/x", ["src/x", "src/x/y", "src/x/y/c.go"]],
    ]);
    expect(() => select(ctx, ["./nope/a.txt"], { parents: true })).toThrow(/source ".\/nope\/a.txt" not found/);
    expect(select(ctx, ["./nope/*.txt"], { parents: true }).roots[0]?.entries.map((e) => e.path)).toEqual(["."]);
  });

  it("turns planner ops into selectors and digests them (the executor's ContextHasher)", async () => {
    const ctx = await openContext(dir);
    const copy = { kind: "copy", from: "context", sources: [{ kind: "path", path: "x" }, { kind: "url", url: "https://e/x" }], excludes: ["*.md"], parents: false } as unknown as CopyOp;
    const exec = { kind: "exec", mounts: [{ type: "bind", fromContext: true, source: "src" }, { type: "cache", fromContext: false }] } as unknown as ExecOp;
    expect(selectorsOf(copy)).toEqual([{ kind: "copy", sources: ["x"], excludes: ["*.md"], parents: false }]);
    expect(selectorsOf(exec)).toEqual([{ kind: "mount", source: "src" }]);
    expect(contextSelectors({ op: copy })).toEqual(selectorsOf(copy));
    const hasher: ContextHasher = createContextHasher(ctx);
    const both = await hasher.digestOf([...selectorsOf(copy), ...selectorsOf(exec)]);
    expect(both).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(await hasher.digestOf(selectorsOf(copy))).not.toBe(both);
    expect(await hasher.digestOf([{ kind: "copy", sources: ["./x/./y/*.txt"], excludes: [], parents: true }])).not.toBe(await hasher.digestOf(selectorsOf(copy)));
    await expect(hasher.digestOf([{ kind: "mount", source: "missing" }])).rejects.toThrow(/source "missing" not found/);
    const aborted = new AbortController();
    aborted.abort(new Error("stopped"));
    await expect(hasher.digestOf(selectorsOf(copy), aborted.signal)).rejects.toThrow("stopped");
  });

  it("reads a file once per hasher even when several steps select it", async () => {
    const ctx = await openContext(dir);
    const { reader, reads } = countingReader();
    const hasher = createContextHasher(ctx, { reader });
    const [a, b] = await Promise.all([
      hasher.digestOf([{ kind: "copy", sources: ["x"], excludes: [], parents: false }]),
      hasher.digestOf([{ kind: "copy", sources: ["x/y/a.txt", "x/z.txt"], excludes: [], parents: false }]),
    ]);
    expect(a).not.toBe(b);
    expect(reads.sort()).toEqual(["x/y/a.txt", "x/y/b.txt", "x/z.txt"]);
  });

  it("follows a symlink source to its target inside the context; without following, keeps the link", async () => {
    writeTree(dir, { "ln": { link: "x/y" } });
    const ctx = await openContext(dir);
    expect(selectFor(ctx, { kind: "copy", sources: ["ln"], excludes: [], parents: false }).roots.map((r) => r.path)).toEqual(["x/y"]);
    expect(selectFor(ctx, { kind: "mount", source: "ln" }).roots.map((r) => r.path)).toEqual(["x/y"]);
    expect(select(ctx, ["ln"], { followLinks: false }).roots.map((r) => r.entries.map((e) => e.type))).toEqual([["symlink"]]);
    expect(selectMount(ctx, "ln", false).entries.map((e) => e.path)).toEqual(["ln"]);
  });

  it("remembers the name a followed symlink source had (the copy is named after it)", async () => {
    writeTree(dir, { "alias.txt": { link: "x/z.txt" } });
    const ctx = await openContext(dir);
    expect(select(ctx, ["alias.txt"]).roots.map((r) => [r.path, r.named])).toEqual([["x/z.txt", "alias.txt"]]);
    expect(select(ctx, ["al*.txt", "a.txt"]).roots.map((r) => [r.path, r.named])).toEqual([["x/z.txt", "alias.txt"], ["a.txt", "a.txt"]]);
  });
});

describe("ignore file", () => {
  it("uses .dockerignore, keeps ignored paths out of the context and says so when a source is ignored", async () => {
    writeFileSync(join(dir, ".dockerignore"), "*.md\nsrc/x\n!src/x/y/c.go\n");
    const ctx = await openContext(dir, { dockerfile: join(dir, "Dockerfile") });
    expect(ctx.ignoreFile).toBe(join(dir, ".dockerignore"));
    expect(ctx.entries.has("B.md")).toBe(false);
    expect(rootPaths(ctx, ["src"])).toEqual([["src", "src/main.go", "src/x", "src/x/y", "src/x/y/c.go"]]);
    expect(() => select(ctx, ["home.md"])).toThrow(/excluded by .*\.dockerignore/);
  });

  it("prefers <Dockerfile>.dockerignore next to the Dockerfile, even when empty", async () => {
    writeFileSync(join(dir, ".dockerignore"), "*\n");
    mkdirSync(join(dir, "build"));
    writeFileSync(join(dir, "build/app.Dockerfile.dockerignore"), "");
    const ctx = await openContext(dir, { dockerfile: join(dir, "build/app.Dockerfile") });
    expect(ctx.ignoreFile).toBe(join(dir, "build/app.Dockerfile.dockerignore"));
    expect(ctx.entries.has("a.txt")).toBe(true);
    const plain = await openContext(dir, { dockerfile: join(dir, "Dockerfile") });
    expect([...plain.entries.keys()]).toEqual(["."]);
  });

  it("fails on an invalid pattern, naming the file and line", async () => {
    writeFileSync(join(dir, ".dockerignore"), "# ok\n*.md\n!\n");
    await expect(openContext(dir)).rejects.toThrow(/\.dockerignore:3: illegal exclusion pattern/);
  });

  it("fails clearly for a missing context directory", async () => {
    await expect(openContext(join(dir, "nope"))).rejects.toThrow(/build context .*nope does not exist/);
  });
});
