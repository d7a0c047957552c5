// The native parts' build (scripts/build-native.mjs) and the deflate addon's loading
// (src/image/native-deflate.ts): a build in a copy of the package makes an addon that loads and
// deflates, and the launcher; a build that cannot compile says why and falls back, or fails under
// TSBUILD_NATIVE=required; the loader finds the addon above its module, refuses another addon,
// and follows TSBUILD_DEFLATE.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { addonFile, loadAddon } from "../../src/image/native-deflate.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const repo = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "tsbuild-native-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** packageCopy is a directory holding the build script and the addon's source, as the published package does. */
function packageCopy(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "scripts"), { recursive: true });
  mkdirSync(join(dir, "native"), { recursive: true });
  copyFileSync(join(repo, "scripts/build-native.mjs"), join(dir, "scripts/build-native.mjs"));
  copyFileSync(join(repo, "native/deflate.c"), join(dir, "native/deflate.c"));
  copyFileSync(join(repo, "native/launcher.c"), join(dir, "native/launcher.c"));
  copyFileSync(join(repo, "native/spawn.c"), join(dir, "native/spawn.c"));
  return dir;
}

function build(dir: string, env: Record<string, string>) {
  const res = spawnSync(process.execPath, [join(dir, "scripts/build-native.mjs")], { env: { ...process.env, TSBUILD_NATIVE: "", ...env }, encoding: "utf8" });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

const missingCompiler = ((): string | undefined => {
  if (spawnSync("cc", ["--version"]).status !== 0) return "no C compiler (cc)";
  if (statSync("/usr/include/libdeflate.h", { throwIfNoEntry: false }) === undefined) return "libdeflate-dev is not installed";
  return undefined;
})();
requirePrerequisites("the native deflate build tests", missingCompiler);

describe.skipIf(missingCompiler !== undefined)("scripts/build-native.mjs", () => {
  it("builds an addon that loads and writes gzip members, and keeps it when it is newer than its source", () => {
    const dir = packageCopy("ok");
    const first = build(dir, {});
    expect(first.status, first.output).toBe(0);
    const file = join(dir, "native/build/tsbuild_deflate.node");
    expect(first.output).toContain(`built ${file}`);
    expect(first.output).toContain(`built ${join(dir, "native/build/tsbuild-launcher")}`);
    expect(first.output).toContain(`built ${join(dir, "native/build/tsbuild_spawn.node")}`);
    const addon = loadAddon(file);
    expect(addon.libdeflateVersion).toMatch(/^\d+\.\d+/);
    const before = statSync(file).mtimeMs;
    const again = build(dir, {});
    expect(again.status).toBe(0);
    expect(again.output).toBe("");
    expect(statSync(file).mtimeMs).toBe(before);
    return addon.deflateMember(Buffer.from("hello ".repeat(1000)), 1, 4).then((gz) => {
      expect(gunzipSync(gz).toString()).toBe("hello ".repeat(1000));
    });
  });

  it("says why it could not build and falls back, or fails under TSBUILD_NATIVE=required", () => {
    const dir = packageCopy("broken");
    const soft = build(dir, { CC: "/bin/false" });
    expect(soft.status).toBe(0);
    expect(soft.output).toMatch(/native tsbuild_deflate\.node not built: \/bin\/false failed.*zlib.*libdeflate-dev/);
    expect(soft.output).toMatch(/native tsbuild-launcher not built: \/bin\/false failed.*unshare, sh and mount/);
    expect(soft.output).toMatch(/native tsbuild_spawn\.node not built: \/bin\/false failed.*child_process/);
    const hard = build(dir, { CC: "/bin/false", TSBUILD_NATIVE: "required" });
    expect(hard.status).toBe(1);
    expect(hard.output).toContain("TSBUILD_NATIVE=required");
    expect(statSync(join(dir, "native/build/tsbuild_deflate.node"), { throwIfNoEntry: false })).toBeUndefined();
    expect(statSync(join(dir, "native/build/tsbuild_deflate.node.tmp"), { throwIfNoEntry: false })).toBeUndefined();
  });

  it("skips the build with TSBUILD_NATIVE=off", () => {
    const dir = packageCopy("off");
    const res = build(dir, { TSBUILD_NATIVE: "off" });
    expect(res.status).toBe(0);
    expect(res.output).toContain("TSBUILD_NATIVE=off: native parts not built");
    expect(statSync(join(dir, "native/build"), { throwIfNoEntry: false })).toBeUndefined();
  });
});

describe("native-deflate.ts", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("finds the addon in the nearest directory above the module that has one", () => {
    const root = join(work, "find");
    mkdirSync(join(root, "native/build"), { recursive: true });
    mkdirSync(join(root, "dist/api/chunks"), { recursive: true });
    expect(addonFile(join(root, "dist/api/chunks"))).toBeUndefined();
    writeFileSync(join(root, "native/build/tsbuild_deflate.node"), "");
    expect(addonFile(join(root, "dist/api/chunks"))).toBe(join(root, "native/build/tsbuild_deflate.node"));
    expect(addonFile(root)).toBe(join(root, "native/build/tsbuild_deflate.node"));
  });

  it("refuses an addon that is not tsbuild's deflate, naming the file", () => {
    const other = join(repo, "node_modules/better-sqlite3/build/Release/better_sqlite3.node");
    expect(() => loadAddon(other)).toThrow(`${other} is not tsbuild's deflate addon`);
  });

  it("follows TSBUILD_DEFLATE: zlib turns the addon off, another value is an input error", async () => {
    vi.stubEnv("TSBUILD_DEFLATE", "zlib");
    expect((await import("../../src/image/native-deflate.js")).nativeDeflate()).toBeUndefined();
    vi.resetModules();
    vi.stubEnv("TSBUILD_DEFLATE", "brotli");
    await expect(import("../../src/image/native-deflate.js").then((m) => m.nativeDeflate())).rejects.toThrow("TSBUILD_DEFLATE=brotli is not a gzip engine");
  });

  const built = addonFile(join(repo, "src/image"));
  requirePrerequisites("the native deflate default test", built ? undefined : "native/build/tsbuild_deflate.node is not built (npm run build:native)");
  it.skipIf(built === undefined)("gives the addon by default when it is built", async () => {
    const { nativeDeflate } = await import("../../src/image/native-deflate.js");
    expect(nativeDeflate()?.libdeflateVersion).toMatch(/^\d+\.\d+/);
  });
});
