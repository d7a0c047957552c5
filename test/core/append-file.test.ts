import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { afterAll, describe, expect, it } from "vitest";
import { appendFile } from "../../src/core/append-file.js";

const dir = mkdtempSync(join(tmpdir(), "tsbuild-append-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** fdsOn counts this process's open files under `dir`. */
function fdsOn(path: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

describe("appendFile", () => {
  it("appends every chunk in order after what the file held, and closes it at the end", async () => {
    const path = join(dir, "log");
    writeFileSync(path, "before\n");
    const w = appendFile(path);
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    w.write("one\n");
    w.write(Buffer.from("two\n"));
    w.write(big);
    w.end("three\n");
    await finished(w);
    expect(readFileSync(path, "utf8")).toBe(`before\none\ntwo\n${big.toString()}three\n`);
    expect(fdsOn(path)).toBe(0);
  });

  it("creates a missing file with mode 0666 less the umask", async () => {
    const path = join(dir, "new");
    const w = appendFile(path);
    w.end("x");
    await finished(w);
    expect(readFileSync(path, "utf8")).toBe("x");
    expect(statSync(path).mode & 0o777).toBe(0o666 & ~process.umask());
  });

  it("reports a file it cannot open as an error", async () => {
    const w = appendFile(join(dir, "no-such-dir", "log"));
    w.write("x");
    await expect(finished(w)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("closes the file when destroyed", async () => {
    const path = join(dir, "destroyed");
    const w = appendFile(path);
    await new Promise((r) => w.write("x", r));
    expect(fdsOn(path)).toBe(1);
    w.destroy();
    await new Promise((r) => w.once("close", r));
    expect(fdsOn(path)).toBe(0);
  });
});
