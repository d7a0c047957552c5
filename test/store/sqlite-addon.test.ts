// The store finds better-sqlite3's native addon itself (sqlite-addon.ts): where Node's module
// resolution would, the nearest node_modules first, and opens it with process.dlopen.
import { createRequire } from "node:module";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addonFile } from "../../src/store/sqlite-addon.js";
import { Database } from "../../src/store/sqlite.js";

const ADDON = "node_modules/better-sqlite3/build/Release/better_sqlite3.node";

describe("addonFile", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-addon-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const place = (at: string): string => {
    const file = join(dir, at, ADDON);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, "");
    return file;
  };

  it("finds the addon in node_modules of the start dir or the nearest dir above it", () => {
    const deep = join(dir, "a/b/c");
    mkdirSync(deep, { recursive: true });
    const top = place("");
    expect(addonFile(deep)).toBe(top);
    const nearer = place("a");
    expect(addonFile(deep)).toBe(nearer);
    expect(addonFile(join(dir, "a"))).toBe(nearer);
  });

  it("skips a package dir without the built addon, as Node's lookup of the subpath does", () => {
    const deep = join(dir, "a/b");
    mkdirSync(join(deep, "node_modules/better-sqlite3/build"), { recursive: true });
    const top = place("");
    expect(addonFile(deep)).toBe(top);
  });

  it("takes only a file", () => {
    mkdirSync(join(dir, ADDON), { recursive: true });
    const found = addonFile(dir);
    expect(found === undefined || !found.startsWith(dir)).toBe(true);
  });

  it("agrees with Node's resolution for this checkout", () => {
    const here = dirname(new URL(import.meta.url).pathname);
    expect(addonFile(here)).toBe(createRequire(import.meta.url).resolve("better-sqlite3/build/Release/better_sqlite3.node"));
  });
});

describe("Database with the addon opened by the store", () => {
  it("opens, writes and reads a database", () => {
    const db = new Database(":memory:");
    try {
      db.exec("CREATE TABLE t (v TEXT)");
      db.prepare("INSERT INTO t VALUES (?)").run("x");
      expect(db.prepare("SELECT v FROM t").get()).toEqual({ v: "x" });
    } finally {
      db.close();
    }
  });
});
