// Hostile build contexts (reliability notes A1, A2, A3, A6, A7): symlinks out of the context,
// `../` sources, swaps after the walk, special files, ignored files, and a huge sparse file.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs, { appendFileSync, mkdirSync, renameSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ContextError, openContext, select, hashSelection } from "../../src/executor/context.js";
import { hashFiles, streamSha256 } from "../../src/executor/context-hash.js";
import { countingReader, tempDir, writeTree } from "./context-helpers.js";

let base: string;
let ctxDir: string;
let sent: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir: base, cleanup } = tempDir("tsbuild-hostile-"));
  ctxDir = join(base, "ctx");
  sent = join(base, "sentinel");
  mkdirSync(sent);
  writeFileSync(join(sent, "secret"), "HOST SECRET\n");
  writeTree(ctxDir, { "app.txt": "app\n", "d": { dir: true } });
});
afterEach(() => {
  vi.restoreAllMocks();
  cleanup();
});

type Spied = "open" | "lstat" | "readlink" | "stat" | "readdir";

/** touchedPaths records every path given to the named fs.promises functions, and their synchronous forms, during fn. */
async function touchedPaths(fn: () => Promise<unknown>, names: readonly Spied[] = ["open", "lstat", "readlink", "stat", "readdir"]): Promise<string[]> {
  const seen: string[] = [];
  const spy = (obj: object, name: string): void => {
    const orig = (obj as Record<string, (...a: unknown[]) => unknown>)[name] as (...a: unknown[]) => unknown;
    vi.spyOn(obj as Record<string, (...a: unknown[]) => unknown>, name).mockImplementation(((p: unknown, ...rest: unknown[]) => {
      seen.push(String(p));
      return orig.call(obj, p, ...rest);
    }) as never);
  };
  for (const name of names) {
    spy(fs.promises, name);
    spy(fs, `${name}Sync`);
  }
  try {
    await fn();
  } finally {
    vi.restoreAllMocks();
  }
  return seen;
}

describe("symlinks out of the context (A1)", () => {
  beforeEach(() => {
    symlinkSync(join(sent, "secret"), join(ctxDir, "abs"));
    symlinkSync("../../../../../../../../.." + join(sent, "secret"), join(ctxDir, "rel"));
    symlinkSync("/", join(ctxDir, "d/root"));
  });

  it("keeps them as symlinks with their targets and never reads through them", async () => {
    const ctx = await openContext(ctxDir);
    const sel = select(ctx, ["."]);
    const links = sel.entries.filter((e) => e.type === "symlink").map((e) => [e.path, e.target]);
    expect(links).toEqual([["abs", join(sent, "secret")], ["d/root", "/"], ["rel", "../../../../../../../../.." + join(sent, "secret")]]);
    const { reader, reads } = countingReader();
    const touched = await touchedPaths(() => hashSelection(ctx, sel, { reader }));
    expect(reads).toEqual(["app.txt"]);
    expect(touched.some((p) => p.includes("sentinel") || p.startsWith("/etc"))).toBe(false);
  });

  it("resolves sources through them inside the context root: out-of-context targets are not found", async () => {
    const ctx = await openContext(ctxDir);
    expect(() => select(ctx, ["abs"])).toThrow(/source "abs" not found .*symlink "abs" points to ".*sentinel\/secret", outside the build context/);
    expect(() => select(ctx, ["rel"])).toThrow(ContextError);
    expect(() => select(ctx, ["d/root/etc/hostname"])).toThrow(/source "d\/root\/etc\/hostname" not found/);
    writeTree(ctxDir, { "etc/hostname": "inside\n" });
    const again = await openContext(ctxDir);
    expect(select(again, ["d/root/etc/hostname"]).roots.map((r) => r.path)).toEqual(["etc/hostname"]);
  });

  it("stops at a symlink loop", async () => {
    symlinkSync("b", join(ctxDir, "a"));
    symlinkSync("a", join(ctxDir, "b"));
    const ctx = await openContext(ctxDir);
    expect(() => select(ctx, ["a"])).toThrow(/symlink loop/);
    expect(select(ctx, ["."]).entries.filter((e) => e.type === "symlink").length).toBe(5);
  });
});

describe("sources outside the context (A2)", () => {
  it("clamps ../ and / to the context root, as BuildKit does", async () => {
    writeFileSync(join(base, "upperfile.txt"), "PARENT\n");
    const ctx = await openContext(ctxDir);
    expect(() => select(ctx, ["../upperfile.txt"])).toThrow(/source "..\/upperfile.txt" not found .*read as "upperfile.txt"/);
    writeFileSync(join(ctxDir, "upperfile.txt"), "INSIDE\n");
    const again = await openContext(ctxDir);
    expect(select(again, ["../upperfile.txt"]).roots.map((r) => r.path)).toEqual(["upperfile.txt"]);
    expect(select(again, ["/upperfile.txt"]).roots.map((r) => r.path)).toEqual(["upperfile.txt"]);
    expect(select(again, ["d/../../../app.txt"]).roots.map((r) => r.path)).toEqual(["app.txt"]);
    expect(select(again, [".."]).roots.map((r) => r.path)).toEqual(["."]);
  });
});

describe("changes after the walk (A3)", () => {
  it("refuses a directory swapped for a symlink to / and reads nothing through it", async () => {
    writeTree(ctxDir, { "d/a": "a", "d/b": "b" });
    const ctx = await openContext(ctxDir);
    renameSync(join(ctxDir, "d"), join(ctxDir, "d.old"));
    symlinkSync("/", join(ctxDir, "d"));
    const { reader, reads } = countingReader();
    await expect(hashSelection(ctx, select(ctx, ["d"]), { reader })).rejects.toThrow(/"d" was replaced or removed/);
    expect(reads).toEqual([]);
  });

  it("refuses a file modified between the walk and the read", async () => {
    const ctx = await openContext(ctxDir);
    appendFileSync(join(ctxDir, "app.txt"), "more\n");
    await expect(hashSelection(ctx, select(ctx, ["app.txt"]))).rejects.toThrow(/"app.txt" was modified while the build was reading/);
  });

  it("detects a write racing with the read (size and mtime differ before and after)", async () => {
    const ctx = await openContext(ctxDir);
    const racing = async (h: fs.promises.FileHandle, e: Parameters<typeof streamSha256>[1]): Promise<string> => {
      const hex = await streamSha256(h, e);
      appendFileSync(join(ctxDir, e.path), "raced\n");
      return hex;
    };
    await expect(hashSelection(ctx, select(ctx, ["app.txt"]), { reader: racing })).rejects.toMatchObject({ code: "ContextChanged" });
  });

  it("refuses a file replaced by another inode with the same name", async () => {
    const ctx = await openContext(ctxDir);
    writeFileSync(join(ctxDir, "new.txt"), "app\n");
    renameSync(join(ctxDir, "new.txt"), join(ctxDir, "app.txt"));
    await expect(hashSelection(ctx, select(ctx, ["app.txt"]))).rejects.toThrow(/was replaced/);
  });
});

describe("swap race (A3)", () => {
  it("never reads outside the context while a directory and a symlink to the host swap places", async () => {
    writeTree(ctxDir, { "dir/a": "a", "dir/b": "b" });
    writeFileSync(join(sent, "a"), "HOST SECRET\n");
    writeFileSync(join(sent, "b"), "HOST SECRET\n");
    symlinkSync(sent, join(ctxDir, "evil"));
    const baseline = await hashSelection(await openContext(ctxDir), select(await openContext(ctxDir), ["dir"]));
    const seen: string[] = [];
    const reader = async (h: fs.promises.FileHandle, e: Parameters<typeof streamSha256>[1]): Promise<string> => {
      const { buffer, bytesRead } = await h.read(Buffer.alloc(64), 0, 64, 0);
      seen.push(buffer.subarray(0, bytesRead).toString());
      return streamSha256(h, e);
    };
    let stop = false;
    let swaps = 0;
    // Each turn of the event loop flips `dir` between the real directory and the symlink to the
    // host directory, while the walk's and the reads' system calls run on libuv's thread pool.
    const swap = (): void => {
      if (swaps % 2 === 0) {
        renameSync(join(ctxDir, "dir"), join(ctxDir, "tmp"));
        renameSync(join(ctxDir, "evil"), join(ctxDir, "dir"));
      } else {
        renameSync(join(ctxDir, "dir"), join(ctxDir, "evil"));
        renameSync(join(ctxDir, "tmp"), join(ctxDir, "dir"));
      }
      swaps++;
      if (!stop || swaps % 2 === 1) setImmediate(swap);
    };
    setImmediate(swap);
    const outcomes = { ok: 0, refused: 0 };
    try {
      for (let i = 0; i < 100; i++) {
        try {
          const ctx = await openContext(ctxDir);
          expect(await hashSelection(ctx, select(ctx, ["dir"]), { reader })).toBe(baseline);
          outcomes.ok++;
        } catch (err) {
          if (!(err instanceof ContextError)) throw err;
          outcomes.refused++;
        }
      }
    } finally {
      stop = true;
    }
    await new Promise((r) => setTimeout(r, 10));
    expect(swaps % 2).toBe(0);
    expect(swaps).toBeGreaterThan(100);
    expect(outcomes.ok + outcomes.refused).toBe(100);
    expect(outcomes.refused).toBeGreaterThan(0);
    // Once the swapping stops, the same context hashes as before.
    const calm = await openContext(ctxDir);
    expect(await hashSelection(calm, select(calm, ["dir"]), { reader })).toBe(baseline);
    expect(seen.filter((c) => c.includes("HOST SECRET"))).toEqual([]);
  });
});

describe("special files and ignored files (A7)", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("skips a FIFO, a socket and a device with a warning, without opening them", async () => {
    execFileSync("mkfifo", [join(ctxDir, "fifo")]);
    execFileSync("mknod", [join(ctxDir, "null"), "c", "1", "3"]);
    server = createServer();
    await new Promise<void>((res) => server?.listen(join(ctxDir, "sock"), res));
    let ctx!: Awaited<ReturnType<typeof openContext>>;
    const opened = await touchedPaths(async () => {
      ctx = await openContext(ctxDir);
      await hashSelection(ctx, select(ctx, ["."]));
    }, ["open"]);
    expect(ctx.warnings.map((w) => [w.code, w.path])).toEqual([
      ["ContextSpecialFile", "fifo"], ["ContextSpecialFile", "null"], ["ContextSpecialFile", "sock"],
    ]);
    expect(ctx.warnings[0]?.message).toMatch(/skipping FIFO "fifo"/);
    expect(ctx.entries.has("fifo") || ctx.entries.has("null") || ctx.entries.has("sock")).toBe(false);
    expect(opened.some((p) => p.endsWith("/app.txt"))).toBe(true);
    expect(opened.filter((p) => /\/(fifo|null|sock)$/.test(p))).toEqual([]);
  });

  it("never stats, lists or opens what the ignore file excludes", async () => {
    writeTree(ctxDir, { "secret/key": "KEY", "keep/a": "a", "keep/b.log": "log" });
    execFileSync("mkfifo", [join(ctxDir, "pipe")]);
    writeFileSync(join(ctxDir, ".dockerignore"), "secret\npipe\n**/*.log\n");
    let ctx!: Awaited<ReturnType<typeof openContext>>;
    const { reader, reads } = countingReader();
    const touched = await touchedPaths(async () => {
      ctx = await openContext(ctxDir);
      await hashSelection(ctx, select(ctx, ["."]), { reader });
    });
    expect(ctx.warnings).toEqual([]);
    expect(reads.sort()).toEqual([".dockerignore", "app.txt", "keep/a"]);
    expect(touched.some((p) => p.endsWith("/keep"))).toBe(true); // the spies see the walk
    expect(touched.filter((p) => /secret|pipe|b\.log/.test(p))).toEqual([]);
  });
});

describe("names", () => {
  it("leaves out a name that is not valid UTF-8, with a warning", async () => {
    writeFileSync(Buffer.concat([Buffer.from(ctxDir + "/"), Buffer.from([0xff, 0x61])]), "x");
    const ctx = await openContext(ctxDir);
    expect([...ctx.entries.keys()]).toEqual([".", "app.txt", "d"]);
    expect(ctx.warnings.map((w) => w.code)).toEqual(["ContextVanished"]);
  });
});

describe("huge files (A6)", () => {
  it("hashes a 512 MiB sparse file by streaming, with bounded memory", async () => {
    const big = join(ctxDir, "sparse");
    writeFileSync(big, "");
    truncateSync(big, 512 * 1024 ** 2);
    utimesSync(big, 1, 1);
    const ctx = await openContext(ctxDir);
    let peak = process.memoryUsage().rss;
    const start = peak;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const { reader, reads } = countingReader();
    let hashes: Map<string, string>;
    try {
      hashes = await hashFiles(ctx, select(ctx, ["sparse"]).entries, { reader });
    } finally {
      clearInterval(timer);
    }
    expect(reads).toEqual(["sparse"]);
    // Buffering the file would grow RSS by 512 MiB; streaming stays within a few buffers.
    expect(peak - start).toBeLessThan(192 * 1024 * 1024);
    const zeros = createHash("sha256");
    const mib = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 512; i++) zeros.update(mib);
    expect(hashes.get("sparse")).toBe(zeros.digest("hex"));
  });
});
