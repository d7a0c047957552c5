// encodeUstar writes the same header blocks as tar-stream 3 (layer digests must not change with the writer).
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { encodeUstar, type UstarHeader } from "../../src/image/ustar.js";

/** tarStreamBlock is tar-stream's header block for the same entry. */
async function tarStreamBlock(h: UstarHeader): Promise<Buffer> {
  const pack = tar.pack();
  const body = h.type === "file" ? Buffer.alloc(h.size) : undefined;
  const header = { name: h.name, type: h.type, mode: h.mode | 0o100000, uid: h.uid, gid: h.gid, size: h.size, mtime: new Date(h.mtime * 1000), uname: "", gname: "", linkname: h.linkname, devmajor: h.devmajor, devminor: h.devminor };
  if (body) pack.entry(header, body);
  else pack.entry(header);
  pack.finalize();
  const out: Buffer[] = [];
  for await (const b of pack as AsyncIterable<Buffer>) out.push(b);
  return Buffer.concat(out).subarray(0, 512);
}

describe("encodeUstar", () => {
  const long = `${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(90)}`;
  const cases: UstarHeader[] = [
    { name: "etc/passwd", type: "file", mode: 0o644, uid: 0, gid: 0, size: 1234, mtime: 946684800 },
    { name: "usr/", type: "directory", mode: 0o755, uid: 1000, gid: 1000, size: 0, mtime: 0 },
    { name: "tmp", type: "directory", mode: 0o1777, uid: 0, gid: 0, size: 0, mtime: 1700000000 },
    { name: long, type: "file", mode: 0o4755, uid: 262143, gid: 7, size: 0, mtime: 5 },
    { name: "bin/sh", type: "symlink", mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 1, linkname: "/bin/busybox" },
    { name: "bin/ls", type: "link", mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1, linkname: "bin/busybox" },
    { name: "dev/null", type: "character-device", mode: 0o666, uid: 0, gid: 0, size: 0, mtime: 1, devmajor: 1, devminor: 3 },
    { name: "run/fifo", type: "fifo", mode: 0, uid: 0, gid: 0, size: 0, mtime: 1 },
  ];
  for (const h of cases) {
    it(`matches tar-stream for ${h.type} ${h.name.slice(0, 20)}`, async () => {
      expect(encodeUstar(h).equals(await tarStreamBlock(h))).toBe(true);
    });
  }

  it("refuses what ustar cannot hold instead of writing a wrong header", () => {
    expect(() => encodeUstar({ name: "x".repeat(101), type: "file", mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 })).toThrow(/does not fit/);
    expect(() => encodeUstar({ name: "ü", type: "file", mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 })).toThrow(/does not fit/);
    expect(() => encodeUstar({ name: "l", type: "symlink", mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 0, linkname: "t".repeat(101) })).toThrow(/does not fit/);
  });
});
