// diffUpper on hand-made upper dirs and toOverlayWhiteouts on an OCI-style extracted layer.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeNodes } from "../../src/runtime/nodes.js";
import { diffUpper, markOverlayWhiteouts, toOverlayWhiteouts } from "../../src/runtime/snapshot.js";
import { writeLayerXattrs } from "../../src/runtime/snapshotter.js";
import { readXattrTree, writeXattrs } from "../../src/runtime/xattr.js";
import { setXattr, shouldSkip } from "../helpers/snapshot.js";

const skip = shouldSkip("upper dir tests");

describe.skipIf(skip)("diffUpper and toOverlayWhiteouts", () => {
  let tmp = "";
  let n = 0;
  const fresh = (): string => {
    const d = join(tmp, `case-${n++}`);
    mkdirSync(d);
    return d;
  };
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "tsbuild-upper-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("reports devices, never follows symlinks, leaves sockets out", async () => {
    const u = fresh();
    mkdirSync(join(u, "dev"));
    await makeNodes([{ path: join(u, "dev/null"), type: "char", major: 1, minor: 3 }, { path: join(u, "dev/sda"), type: "block", major: 8, minor: 0 }]);
    symlinkSync("/", join(u, "root"));
    const server = createServer();
    await new Promise<void>((res) => server.listen(join(u, "sock"), res));
    try {
      const kinds = (await diffUpper(u)).map((e) => `${e.kind} ${e.path} ${e.devmajor ?? ""}:${e.devminor ?? ""} ${e.linkname ?? ""}`.trim());
      expect(kinds).toEqual(["dir dev :", "char dev/null 1:3", "block dev/sda 8:0", "symlink root : /"]);
    } finally {
      server.close();
    }
  });

  it("refuses redirect and metacopy attributes and non-UTF-8 names", async () => {
    const u = fresh();
    mkdirSync(join(u, "moved"));
    setXattr(join(u, "moved"), "trusted.overlay.redirect", "/elsewhere");
    await expect(diffUpper(u)).rejects.toThrow(/moved carries trusted.overlay.redirect/);
    const v = fresh();
    writeFileSync(Buffer.from(`${v}/bad\xff`, "latin1"), "x");
    await expect(diffUpper(v)).rejects.toThrow(/not UTF-8/);
  });

  it("treats xattr-marked whiteouts as whiteouts and only opaque=y as opaque", async () => {
    const u = fresh();
    writeFileSync(join(u, "gone"), "");
    setXattr(join(u, "gone"), "trusted.overlay.whiteout", "y");
    mkdirSync(join(u, "merged"));
    setXattr(join(u, "merged"), "trusted.overlay.opaque", "x");
    expect((await diffUpper(u)).map((e) => `${e.kind} ${e.path}`)).toEqual(["whiteout gone", "dir merged"]);
  });

  it("writes and reads attributes with awkward names byte-exact", async () => {
    const u = fresh();
    const file = join(u, "a b\n=é");
    writeFileSync(file, "");
    const value = Buffer.from([0, 1, 10, 61, 92, 255]);
    await writeXattrs([{ path: file, xattrs: { "user.odd name=\\": value, "user.empty": Buffer.alloc(0) } }]);
    expect((await readXattrTree(u)).get("a b\n=é")).toEqual({ "user.empty": Buffer.alloc(0), "user.odd name=\\": value });
  });

  it("converts an extracted OCI layer into overlay form", async () => {
    const u = fresh();
    mkdirSync(join(u, "etc/opq"), { recursive: true });
    writeFileSync(join(u, "etc/.wh.passwd"), "");
    writeFileSync(join(u, "etc/opq/.wh..wh..opq"), "");
    writeFileSync(join(u, "etc/opq/new"), "n");
    writeFileSync(join(u, ".wh.both"), "");
    writeFileSync(join(u, "both"), "b");
    expect(await toOverlayWhiteouts(u)).toEqual({ whiteouts: 1, opaques: 1 });
    const entries = (await diffUpper(u)).map((e) => `${e.kind} ${e.path}`);
    expect(entries).toEqual(["file both", "dir etc", "dir etc/opq", "opaque etc/opq", "file etc/opq/new", "whiteout etc/passwd"]);
    expect(execFileSync("stat", ["-c", "%F %t:%T", join(u, "etc/passwd")], { encoding: "utf8" })).toBe("character special file 0:0\n");
  });

  it("writes unpacked files' attributes but never overlayfs's own", async () => {
    const u = fresh();
    mkdirSync(join(u, "dir"));
    writeFileSync(join(u, "ping"), "");
    const cap = Buffer.from("0100000200200000000000000000000000000000", "hex");
    const dropped = await writeLayerXattrs([
      { path: join(u, "ping"), xattrs: { "security.capability": cap } },
      { path: join(u, "dir"), xattrs: { "trusted.overlay.opaque": Buffer.from("y"), "user.k": Buffer.from("v") } },
    ]);
    expect(dropped).toEqual([{ path: join(u, "dir"), name: "trusted.overlay.opaque" }]);
    const entries = await diffUpper(u);
    expect(entries.map((e) => `${e.kind} ${e.path} ${Object.keys(e.xattrs).join(",")}`)).toEqual(["dir dir user.k", "file ping security.capability"]);
    expect(entries[1]?.xattrs["security.capability"]).toEqual(cap);
  });

  it("marks whiteouts from a list, confined to the layer dir", async () => {
    const u = fresh();
    mkdirSync(join(u, "etc"));
    writeFileSync(join(u, "etc/kept"), "k");
    symlinkSync(tmp, join(u, "escape"));
    const r = await markOverlayWhiteouts(u, { whiteouts: ["etc/gone", "etc/kept", "new/parent/x"], opaques: ["etc"] });
    expect(r).toEqual({ whiteouts: 2, opaques: 1 });
    expect((await diffUpper(u)).map((e) => `${e.kind} ${e.path}`)).toEqual([
      "symlink escape", "dir etc", "opaque etc", "whiteout etc/gone", "file etc/kept", "dir new", "dir new/parent", "whiteout new/parent/x",
    ]);
    await expect(markOverlayWhiteouts(u, { whiteouts: ["escape/x"], opaques: [] })).rejects.toThrow(/not a directory/);
    await expect(markOverlayWhiteouts(u, { whiteouts: ["../x"], opaques: [] })).rejects.toThrow(/not a path inside/);
    await expect(markOverlayWhiteouts(u, { whiteouts: [], opaques: ["/"] })).rejects.toThrow(/layer root/);
    expect(existsSync(join(tmp, "x"))).toBe(false);
  });

  it("refuses malformed whiteout names", async () => {
    for (const bad of [".wh.", ".wh..", ".wh...", ".wh..wh.x"]) {
      const u = fresh();
      writeFileSync(join(u, bad), "");
      await expect(toOverlayWhiteouts(u)).rejects.toThrow(/malformed whiteout/);
    }
    const root = fresh();
    writeFileSync(join(root, ".wh..wh..opq"), "");
    await expect(toOverlayWhiteouts(root)).rejects.toThrow(/layer root/);
  });
});
