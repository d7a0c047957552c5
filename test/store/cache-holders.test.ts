// Cache mount holds recorded in the store's metadata (meta.holdCacheDir): what `private` and
// `locked` sharing rely on across tsbuild processes. Two MetaStore instances on one root stand for
// two processes; a child process that exited stands for a killed build.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { processStartSync } from "../../src/core/process.js";
import { MetaStore } from "../../src/store/meta.js";

const alive = (pid: number, start: string) => processStartSync(pid) === start;
const me = processStartSync(process.pid)!;

describe("cache mount holds", () => {
  it("an exclusive hold waits for every other holder, of any opener of the store", () => {
    const root = mkdtempSync(join(tmpdir(), "tsbuild-holders-"));
    const a = new MetaStore(root);
    const b = new MetaStore(root);
    expect(a.holdCacheDir("/c", "a1", process.pid, me, false, alive)).toBe(true);
    expect(b.holdCacheDir("/c", "b1", process.pid, me, false, alive)).toBe(true); // shared: both
    expect(b.holdCacheDir("/c", "b2", process.pid, me, true, alive)).toBe(false);
    expect(b.holdCacheDir("/other", "b3", process.pid, me, true, alive)).toBe(true);
    a.releaseCacheDir("a1");
    expect(a.holdCacheDir("/c", "a2", process.pid, me, true, alive)).toBe(false);
    b.releaseCacheDir("b1");
    expect(a.holdCacheDir("/c", "a3", process.pid, me, true, alive)).toBe(true);
    expect(b.holdCacheDir("/c", "b4", process.pid, me, true, alive)).toBe(false);
  });

  it("drops the holds of a process that is gone, or whose pid now belongs to another process", () => {
    const root = mkdtempSync(join(tmpdir(), "tsbuild-holders-"));
    const meta = new MetaStore(root);
    const child = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
    const deadPid = Number(child.stdout.trim());
    expect(meta.holdCacheDir("/c", "dead", deadPid, "12345", false, alive)).toBe(true);
    expect(meta.holdCacheDir("/d", "reused", process.pid, `${Number(me) + 1}`, false, alive)).toBe(true);
    expect(meta.holdCacheDir("/c", "next", process.pid, me, true, alive)).toBe(true);
    expect(meta.holdCacheDir("/d", "next2", process.pid, me, true, alive)).toBe(true);
  });
});
