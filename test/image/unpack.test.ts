import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { beforeEach, describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/digest.js";
import { unpackLayer } from "../../src/image/unpack.js";
import { writeLayerTar } from "../../src/image/tar.js";

interface E {
  name: string;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "block-device";
  linkname?: string;
  body?: string;
  mode?: number;
  size?: number;
}

async function makeTar(entries: E[]): Promise<Buffer> {
  const pack = tar.pack();
  const parts: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) parts.push(Buffer.from(c as Uint8Array));
  })();
  for (const e of entries) {
    const type = e.type ?? "file";
    const header = { name: e.name, type, linkname: e.linkname, mode: e.mode ?? (type === "directory" ? 0o755 : 0o644), mtime: new Date(1000), devmajor: 8, devminor: 0 };
    await new Promise<void>((res, rej) => pack.entry(header, type === "file" ? Buffer.from(e.body ?? "") : Buffer.alloc(0), (err) => (err ? rej(err) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(parts);
}

let base: string;
let root: string;
let outside: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "tsbuild-unpack-"));
  root = join(base, "rootfs");
  outside = join(base, "outside");
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, "sentinel"), "untouched");
});

function sentinelClean(): void {
  expect(readdirSync(outside)).toEqual(["sentinel"]);
  expect(readFileSync(join(outside, "sentinel"), "utf8")).toBe("untouched");
}

async function unpack(tarBytes: Buffer, opts: Parameters<typeof unpackLayer>[2] = {}) {
  return unpackLayer([tarBytes], root, opts);
}

describe("unpackLayer", () => {
  it("unpacks files, dirs, symlinks and hardlinks and returns the diffID of the uncompressed tar", async () => {
    const t = await makeTar([
      { name: "etc/", type: "directory", mode: 0o750 },
      { name: "etc/hosts", body: "127.0.0.1 localhost\n", mode: 0o600 },
      { name: "etc/alias", type: "link", linkname: "etc/hosts" },
      { name: "bin/sh", type: "symlink", linkname: "/bin/busybox" },
    ]);
    const res = await unpack(Buffer.from(gzipSync(t)));
    expect(res.diffId).toBe(sha256(t));
    expect(readFileSync(join(root, "etc/hosts"), "utf8")).toBe("127.0.0.1 localhost\n");
    expect(lstatSync(join(root, "etc")).mode & 0o7777).toBe(0o750);
    expect(lstatSync(join(root, "etc/hosts")).mode & 0o7777).toBe(0o600);
    expect(lstatSync(join(root, "etc/alias")).ino).toBe(lstatSync(join(root, "etc/hosts")).ino);
    expect(readlinkSync(join(root, "bin/sh"))).toBe("/bin/busybox");
    expect(lstatSync(join(root, "etc/hosts")).mtimeMs).toBe(1000);
  });

  it("refuses a ../ entry, naming it", async () => {
    await expect(unpack(await makeTar([{ name: "../outside/evil", body: "x" }]))).rejects.toThrow(/layer entry "\.\.\/outside\/evil".*escape/);
    sentinelClean();
  });

  it("refuses an absolute entry, naming it", async () => {
    await expect(unpack(await makeTar([{ name: `${outside}/evil`, body: "x" }]))).rejects.toThrow(/absolute path/);
    sentinelClean();
  });

  it("refuses symlink-then-write", async () => {
    const t = await makeTar([{ name: "x", type: "symlink", linkname: outside }, { name: "x/evil", body: "pwned" }]);
    await expect(unpack(t)).rejects.toThrow(/layer entry "x\/evil": its parent x is a symlink/);
    sentinelClean();
  });

  it("refuses a symlink chain out", async () => {
    const t = await makeTar([
      { name: "a", type: "symlink", linkname: "b" },
      { name: "b", type: "symlink", linkname: "c" },
      { name: "c", type: "symlink", linkname: "../outside" },
      { name: "a/sentinel", body: "pwned" },
    ]);
    await expect(unpack(t)).rejects.toThrow(/"a\/sentinel".*symlink/);
    sentinelClean();
  });

  it("refuses writing into a directory that was replaced by a symlink", async () => {
    const t = await makeTar([
      { name: "d/", type: "directory" },
      { name: "d", type: "symlink", linkname: outside },
      { name: "d/sentinel", body: "pwned" },
    ]);
    await expect(unpack(t)).rejects.toThrow(/"d\/sentinel".*symlink/);
    sentinelClean();
  });

  it("replaces a final-component symlink instead of writing through it", async () => {
    const t = await makeTar([{ name: "s", type: "symlink", linkname: join(outside, "sentinel") }, { name: "s", body: "inside" }]);
    await unpack(t);
    expect(readFileSync(join(root, "s"), "utf8")).toBe("inside");
    sentinelClean();
  });

  it("refuses hardlinks to outside, to absolute paths, through symlinks and to missing targets", async () => {
    for (const linkname of ["../outside/sentinel", `${outside}/sentinel`, "l/sentinel", "nope"]) {
      const t = await makeTar([{ name: "l", type: "symlink", linkname: outside }, { name: "h", type: "link", linkname }]);
      await expect(unpack(t), linkname).rejects.toThrow(/layer entry "h"/);
    }
    sentinelClean();
  });

  it("skips device nodes by default and refuses them when asked", async () => {
    const t = await makeTar([{ name: "dev/sda-evil", type: "block-device" }, { name: "ok", body: "1" }]);
    const res = await unpack(t);
    expect(res.skipped).toEqual([{ entry: "dev/sda-evil", reason: expect.stringMatching(/device node/) }]);
    expect(existsSync(join(root, "dev/sda-evil"))).toBe(false);
    await expect(unpack(t, { devices: "refuse" })).rejects.toThrow(/"dev\/sda-evil".*device node/);
    if (process.getuid?.() !== 0) return console.warn("not root: device creation is not tested");
    await unpack(t, { devices: "create" });
    const st = lstatSync(join(root, "dev/sda-evil"));
    expect(st.isBlockDevice()).toBe(true);
    expect(st.rdev).toBe(8 * 256);
  });

  it("drops setuid/setgid bits unless keepSetuid", async () => {
    const t = await makeTar([{ name: "su", body: "x", mode: 0o6755 }]);
    await unpack(t);
    expect(lstatSync(join(root, "su")).mode & 0o7777).toBe(0o755);
    await unpack(t, { keepSetuid: true });
    expect(lstatSync(join(root, "su")).mode & 0o7777).toBe(0o6755);
  });

  it("applies whiteouts and opaque markers to lower content only, whatever the marker's position", async () => {
    mkdirSync(join(root, "etc/old"), { recursive: true });
    writeFileSync(join(root, "etc/old/f"), "lower");
    writeFileSync(join(root, "etc/keep"), "lower");
    mkdirSync(join(root, "opq/sub"), { recursive: true });
    writeFileSync(join(root, "opq/lower"), "lower");
    writeFileSync(join(root, "opq/sub/lower"), "lower");
    const t = await makeTar([
      { name: "etc/.wh.old" },
      { name: "opq/new", body: "upper" },
      { name: "opq/sub/new", body: "upper" },
      { name: "opq/.wh..wh..opq" },
    ]);
    await unpack(t);
    expect(readdirSync(join(root, "etc"))).toEqual(["keep"]);
    expect(readdirSync(join(root, "opq")).sort()).toEqual(["new", "sub"]);
    expect(readdirSync(join(root, "opq/sub"))).toEqual(["new"]);
  });

  it("refuses malformed whiteouts and whiteouts under a symlinked directory", async () => {
    for (const name of [".wh.", "etc/.wh.", ".wh...", ".wh..", "a/.wh..wh.x"]) {
      await expect(unpack(await makeTar([{ name }])), name).rejects.toThrow(/malformed whiteout/);
    }
    symlinkSync(outside, join(root, "lnk"));
    await expect(unpack(await makeTar([{ name: "lnk/.wh.sentinel" }]))).rejects.toThrow(/"lnk\/\.wh\.sentinel".*symlink/);
    await expect(unpack(await makeTar([{ name: "../.wh.outside" }]))).rejects.toThrow(/escape/);
    sentinelClean();
  });

  it("never follows a symlink out when applying an opaque marker", async () => {
    const t = await makeTar([
      { name: "d/x", body: "upper" },
      { name: "d", type: "symlink", linkname: outside },
      { name: ".wh..wh..opq" },
    ]);
    await unpack(t);
    expect(readlinkSync(join(root, "d"))).toBe(outside);
    sentinelClean();
  });

  it("never changes the mode of a directory reached through a symlink that replaced a directory", async () => {
    mkdirSync(join(outside, "b"), { mode: 0o755 });
    const t = await makeTar([
      { name: "a/", type: "directory" },
      { name: "a/b/", type: "directory", mode: 0o777 },
      { name: "a", type: "symlink", linkname: outside },
    ]);
    await unpack(t);
    expect(lstatSync(join(outside, "b")).mode & 0o7777).toBe(0o755);
  });

  it("caps a gzip bomb at maxUncompressedBytes", async () => {
    const bomb = gzipSync(Buffer.concat([await makeTar([{ name: "zeros", body: "\0".repeat(8 * 1024 * 1024) }])]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expect(unpack(bomb, { limits: { maxUncompressedBytes: 1024 * 1024 } })).rejects.toThrow(/more than 1048576 bytes.*bomb/);
  });

  it("caps entry count, header size, path length and depth", async () => {
    await expect(unpack(await makeTar([{ name: "a" }, { name: "b" }, { name: "c" }]), { limits: { maxEntries: 2 } })).rejects.toThrow(/more than 2 entries/);
    await expect(unpack(await makeTar([{ name: "x".repeat(300) }]), { limits: { maxHeaderBytes: 100 } })).rejects.toThrow(/over the 100-byte limit/);
    await expect(unpack(await makeTar([{ name: "y".repeat(300) }]), { limits: { maxPathBytes: 200 } })).rejects.toThrow(/longer than 200 bytes/);
    await expect(unpack(await makeTar([{ name: "a/".repeat(20) + "f" }]), { limits: { maxDepth: 10 } })).rejects.toThrow(/21 directories deep/);
  });

  it("refuses trailing data after the end of the tar and a truncated tar", async () => {
    const t = await makeTar([{ name: "f", body: "data" }]);
    await expect(unpack(Buffer.concat([t, Buffer.from("garbage")]))).rejects.toThrow(/trailing data/);
    await expect(unpack(t.subarray(0, 700))).rejects.toThrow(/truncated/);
    const gz = gzipSync(t);
    await expect(unpack(Buffer.concat([gz, Buffer.from("trailing")]))).rejects.toThrow(/gzip stream is corrupt/);
    await expect(unpack(gz.subarray(0, gz.length - 10))).rejects.toThrow(/gzip stream is corrupt.*truncated|unexpected end/);
  });

  it("reads a gzip blob of several members (as tsbuild's libdeflate engine writes) as one stream", async () => {
    const t = await makeTar([{ name: "f", body: "data" }, { name: "g", body: "more" }]);
    const members = Buffer.concat([gzipSync(t.subarray(0, 700)), gzipSync(t.subarray(700))]);
    const res = await unpack(members);
    expect(res.diffId).toBe(sha256(t));
    expect(readFileSync(join(root, "g"), "utf8")).toBe("more");
    await expect(unpack(Buffer.concat([members, Buffer.from("trailing")]))).rejects.toThrow(/gzip stream is corrupt/);
  });

  it("round-trips the layer tar writer, including hardlinks, whiteouts and long names", async () => {
    const long = `${"d".repeat(150)}/f`;
    const layer = writeLayerTar([
      { type: "directory", path: "x", mode: 0o755, mtime: 7 },
      { type: "file", path: "x/a", content: Buffer.from("A"), mode: 0o640, mtime: 7 },
      { type: "hardlink", path: "x/b", target: "x/a" },
      { type: "file", path: long, content: Buffer.from("L"), mtime: 7 },
    ]);
    const res = await unpackLayer(layer, root);
    expect(res.entries).toBe(4);
    expect(readFileSync(join(root, long), "utf8")).toBe("L");
    expect(lstatSync(join(root, "x/b")).nlink).toBe(2);
  });
});
