// The bundled CLI's start-up code cache (src/cli/bundle-load.ts) and its lazy builtins
// (scripts/bundle-cli.mjs), through a copy of the built CLI in dist/ laid out as an installed
// package: the cache is written after a command ran and extended for each new command, a cache
// that does not fit the bundle or is not trusted is never used, an unwritable bundle dir sends
// it to the user's cache dir, `npm pack` leaves it out, and a start loads no builtin it needs not.
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const REPO = resolve(import.meta.dirname, "../..");
const missing = existsSync(join(REPO, "dist/cli/bundle")) ? undefined : "dist/cli/bundle is missing (run npm run build)";
requirePrerequisites("the code cache tests", missing);

const NOBODY = 65534;
const notRoot = process.getuid?.() === 0 ? undefined : "not root (the test chowns files and runs tsbuild as nobody)";
requirePrerequisites("the code cache test of other users", notRoot);

describe.skipIf(missing !== undefined)("the CLI's start-up code cache", () => {
  let dir: string;
  let pkg: string;
  let bundleDir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-code-cache-"));
    chmodSync(dir, 0o755);
    pkg = join(dir, "pkg");
    bundleDir = join(pkg, "dist/cli/bundle");
    mkdirSync(bundleDir, { recursive: true });
    cpSync(join(REPO, "package.json"), join(pkg, "package.json"));
    cpSync(join(REPO, "dist/cli/main.cjs"), join(pkg, "dist/cli/main.cjs"));
    for (const name of readdirSync(join(REPO, "dist/cli/bundle"))) {
      if (!name.endsWith(".v8cache")) cpSync(join(REPO, "dist/cli/bundle", name), join(bundleDir, name));
    }
    symlinkSync(join(REPO, "node_modules"), join(pkg, "node_modules"));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** cli runs the copied CLI with a store and home of the test's own. */
  function cli(args: string[], opts: { uid?: number; env?: NodeJS.ProcessEnv } = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, TSBUILD_ROOT: join(dir, "store"), HOME: join(dir, "home"), XDG_CACHE_HOME: undefined, ...opts.env };
    const r = spawnSync(process.execPath, [join(pkg, "dist/cli/main.cjs"), ...args], { encoding: "utf8", env, ...(opts.uid !== undefined && { uid: opts.uid, gid: opts.uid }) });
    expect(r.status, r.stderr).toBe(0);
    return r;
  }

  /** cacheIn is the path of the program bundle's cache in `d`, or undefined when there is none. */
  function cacheIn(d: string): string | undefined {
    const name = existsSync(d) ? readdirSync(d).find((n) => n.startsWith("program-") && n.endsWith(".v8cache")) : undefined;
    return name === undefined ? undefined : join(d, name);
  }

  /** labels reads the commands a cache file says it was made after. */
  function labels(path: string | undefined): string[] {
    expect(path).toBeDefined();
    const bytes = readFileSync(path!);
    return (JSON.parse(bytes.subarray(0, bytes.indexOf(10)).toString()) as { labels: string[] }).labels;
  }

  it("is written after the first run, kept while it covers the command, and extended for a new one", () => {
    expect(cli(["--version"]).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const path = cacheIn(bundleDir);
    expect(labels(path)).toEqual([""]);
    expect(statSync(path!).mode & 0o022).toBe(0);
    const before = statSync(path!);
    cli(["--version"]);
    expect(statSync(path!).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(path!).ino).toBe(before.ino);
    expect(cli(["images"]).stdout).toMatch(/^REPOSITORY/);
    expect(labels(path)).toEqual(["", "images"]);
    expect(readdirSync(bundleDir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("never uses a cache cut short, of other contents, group-writable, or made for another bundle", () => {
    const path = cacheIn(bundleDir)!;
    truncateSync(path, 5);
    expect(cli(["images"]).stdout).toMatch(/^REPOSITORY/);
    expect(labels(path)).toEqual(["images"]);
    const header = readFileSync(path).subarray(0, readFileSync(path).indexOf(10) + 1);
    writeFileSync(path, Buffer.concat([header, Buffer.alloc(4096, 7)]));
    expect(cli(["--version"]).status).toBe(0);
    expect(labels(path)).toEqual([""]);
    chmodSync(path, 0o664);
    cli(["images"]);
    expect(labels(path)).toEqual(["images"]);
    expect(statSync(path).mode & 0o022).toBe(0);
    const bundle = readdirSync(bundleDir).find((n) => n.startsWith("program-") && n.endsWith(".cjs"))!;
    utimesSync(join(bundleDir, bundle), new Date(), new Date(Date.now() - 60_000));
    cli(["--version"]);
    expect(labels(path)).toEqual([""]);
  });

  it.skipIf(notRoot !== undefined)("never uses a cache of another user, goes to the user's cache dir when the bundle's is not writable, and runs without one when neither is", () => {
    const path = cacheIn(bundleDir)!;
    chownSync(path, NOBODY, NOBODY);
    cli(["images"]);
    expect(labels(path)).toEqual(["images"]);
    expect(statSync(path).uid).toBe(0);
    const home = join(dir, "home-nobody");
    mkdirSync(home);
    chownSync(home, NOBODY, NOBODY);
    const before = statSync(path).mtimeMs;
    expect(cli(["--version"], { uid: NOBODY, env: { HOME: home } }).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(labels(cacheIn(join(home, ".cache/tsbuild")))).toEqual([""]);
    expect(statSync(join(home, ".cache/tsbuild")).mode & 0o777).toBe(0o700);
    expect(statSync(path).mtimeMs).toBe(before);
    const xdg = join(dir, "xdg-nobody");
    mkdirSync(xdg);
    chownSync(xdg, NOBODY, NOBODY);
    cli(["--version"], { uid: NOBODY, env: { HOME: home, XDG_CACHE_HOME: xdg } });
    expect(labels(cacheIn(join(xdg, "tsbuild")))).toEqual([""]);
    // Nowhere to write: the command runs all the same, without a cache.
    const r = cli(["--version"], { uid: NOBODY, env: { HOME: "/nonexistent-tsbuild-home" } });
    expect(r.stderr).toBe("");
  });

  it("is left out of npm pack", () => {
    expect(cacheIn(bundleDir)).toBeDefined();
    const r = spawnSync("npm", ["pack", "--dry-run", "--json"], { cwd: pkg, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files.filter((f) => f.startsWith("dist/cli/bundle/")).length).toBeGreaterThan(0);
    expect(files.filter((f) => /\.(v8cache|tmp)$|npmignore/.test(f))).toEqual([]);
  });

  it("starts without loading the builtins only some commands use", () => {
    const hook = join(dir, "module-list.cjs");
    writeFileSync(hook, `process.on("exit", () => require("fs").writeSync(2, "\\nLOADED " + JSON.stringify(process.moduleLoadList) + "\\n"));\n`);
    for (const args of [["--version"], ["images"]]) {
      const r = spawnSync(process.execPath, ["-r", hook, join(pkg, "dist/cli/main.cjs"), ...args], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: join(dir, "store") } });
      expect(r.status, r.stderr).toBe(0);
      const loaded = JSON.parse(/LOADED (.*)/.exec(r.stderr)![1]!) as string[];
      for (const m of ["https", "tls", "http", "zlib", "crypto", "child_process", "readline", "fs/promises"]) expect(loaded, `${args.join(" ")} loads ${m}`).not.toContain(`NativeModule ${m}`);
    }
  });
});
