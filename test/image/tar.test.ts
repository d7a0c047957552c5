import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/digest.js";
import { readTar, type TarHeader } from "../../src/image/tar-reader.js";
import { sortEntries, writeLayerTar } from "../../src/image/tar.js";
import { compareTarPaths, normalizeEntryPath, type LayerEntry } from "../../src/image/tar-entry.js";

async function collect(s: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function headers(tarBytes: Buffer): Promise<{ h: TarHeader; body: Buffer }[]> {
  const out: { h: TarHeader; body: Buffer }[] = [];
  for await (const e of readTar([tarBytes])) out.push({ h: e.header, body: await collect(e.body) });
  return out;
}

function describeEntry(h: TarHeader): string {
  const x = [...h.xattrs].map(([k, v]) => ` xattr:${k}=${v.toString("hex")}`).join("");
  return `${h.type} ${JSON.stringify(h.name)} mode=${h.mode.toString(8)} ${h.uid}:${h.gid} size=${h.size} mtime=${h.mtime}${h.linkname ? ` -> ${JSON.stringify(h.linkname)}` : ""}${x}`;
}

function golden(name: string, actual: string): void {
  const file = join(import.meta.dirname, "../../fixtures/image", `${name}.golden`);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

const CAP = Buffer.from("0100000200200000000000000000000000000000", "hex"); // binary security.capability: has NUL and 0x80+ bytes
CAP[3] = 0xff;
const longName = `deep/${"d".repeat(120)}/${"é".repeat(3)}file`;

const ENTRIES: LayerEntry[] = [
  { type: "file", path: "a-b", mode: 0o644, content: Buffer.from("dash"), mtime: 100 },
  { type: "directory", path: "a", mode: 0o755, mtime: 200 },
  { type: "file", path: "a/b", mode: 0, uid: 1000, gid: 1000, content: Buffer.from("mode zero"), mtime: 2_000_000_000 },
  { type: "symlink", path: "link", target: "a/b", mode: 0o777, mtime: 5 },
  { type: "hardlink", path: "a/hard", target: "a/b", mtime: 5 },
  { type: "file", path: "bin/ping", mode: 0o4755, content: Buffer.from("ELF"), xattrs: { "security.capability": CAP }, mtime: 5 },
  { type: "directory", path: "bin", mtime: 5 },
  { type: "whiteout", path: "a/gone" },
  { type: "opaque", path: "opq" },
  { type: "directory", path: "opq", mtime: 5 },
  { type: "file", path: longName, content: Buffer.from("long"), uid: 300000, gid: 7_000_000, mtime: 5 },
  { type: "directory", path: "deep", mtime: 5 },
  { type: "directory", path: `deep/${"d".repeat(120)}`, mtime: 5 },
  { type: "character-device", path: "dev/null", mode: 0o666, devmajor: 1, devminor: 3, mtime: 5 },
  { type: "fifo", path: "dev/fifo", mtime: 5 },
];

describe("layer tar writer", () => {
  it("sorts depth-first bytewise (a, a/b, a-b), not by full path", () => {
    expect(["a-b", "a/b", "a"].sort(compareTarPaths)).toEqual(["a", "a/b", "a-b"]);
    // The same order as comparing each name's UTF-8 bytes, also past ASCII and the BMP.
    const names = ["a", "a/b", "a-b", "ab", "a/b/c", "a/\u00e9", "a/\uffff", "a/\u{1F600}", "a/\ue000", "\u{10000}/x", "\uffff", "z", "a/b-", "a/b/", "A", "a!", "a.b", "a b", "a\u0001c", "a/\u{10FFFF}", "a/\ud7ff", "a/\u{1F600}x", "a/\u{1F601}", "a0/b", "a/0"].map((n) => n.replace(/\/$/, ""));
    const utf8 = (x: string, y: string) => {
      const [px, py] = [x.split("/"), y.split("/")];
      for (let i = 0; i < Math.min(px.length, py.length); i++) {
        const c = Buffer.compare(Buffer.from(px[i] as string), Buffer.from(py[i] as string));
        if (c !== 0) return c;
      }
      return px.length - py.length;
    };
    for (const x of names) for (const y of names) expect(Math.sign(compareTarPaths(x, y)), `${x} vs ${y}`).toBe(Math.sign(utf8(x, y)));
  });

  it("normalizes entry paths as splitting and joining them does, and refuses the same ones", () => {
    const reference = (p: string, allowRoot: boolean): string => {
      if (p.includes("\0")) throw new TypeError("NUL");
      const parts = p.split("/").filter((x) => x !== "" && x !== ".");
      if (parts.includes("..")) throw new TypeError("..");
      if (parts.length === 0 && !allowRoot) throw new TypeError("root");
      return parts.join("/");
    };
    const outcome = (f: () => string) => {
      try {
        return f();
      } catch (err) {
        return `throws ${(err as Error).constructor.name}`;
      }
    };
    const paths = ["a", "a/b", "./a", "a/./b", "a/.", "/a", "a/", "a//b", "..", "a/..", "../a", "a/../b", "..a", "a..", "a/..b", ".a", "a/.b", "...", "", ".", "/", "./", "a\0b", "é/ü", " a/b "];
    for (const p of paths) for (const allowRoot of [false, true]) expect(outcome(() => normalizeEntryPath(p, allowRoot)), JSON.stringify(p)).toBe(outcome(() => reference(p, allowRoot)));
  });

  it("sorts entries into walk order, keeping entries whose paths are already plain, and refuses duplicates", () => {
    const sorted = sortEntries(ENTRIES);
    expect(sortEntries([...sorted].reverse()).map((e) => e.path)).toEqual(sorted.map((e) => e.path));
    const plain = sorted.filter((e) => e.path !== "");
    const again = sortEntries(plain);
    again.forEach((e, i) => expect(e).toBe(plain[i]));
    expect(sortEntries([{ type: "directory", path: "./x/" }])[0]?.path).toBe("x");
    expect(() => sortEntries([{ type: "directory", path: "x" }, { type: "file", path: "y", content: Buffer.alloc(0) }, { type: "directory", path: "/x" }])).toThrow(/two entries for "x"/);
  });

  it("writes the golden layer: order, headers, PAX with binary xattr, big ids, SOURCE_DATE_EPOCH clamp", async () => {
    const tar = await collect(writeLayerTar(ENTRIES, { sourceDateEpoch: 1_000_000_000 }));
    const list = await headers(tar);
    const text = list.map(({ h }) => describeEntry(h)).join("\n") + `\n${sha256(tar)}\n`;
    golden("layer-tar", text);
    const ping = list.find((e) => e.h.name === "bin/ping");
    expect(ping?.h.xattrs.get("security.capability")?.equals(CAP)).toBe(true);
    expect(list.find((e) => e.h.name === longName)?.h).toMatchObject({ uid: 300000, gid: 7_000_000 });
    expect(list.find((e) => e.h.name === "a/b")?.h).toMatchObject({ mode: 0, mtime: 1_000_000_000 });
    expect(list.find((e) => e.h.name === "a-b")?.h.mtime).toBe(100);
  });

  it("is byte-identical across runs and independent of input order", async () => {
    const a = await collect(writeLayerTar(ENTRIES));
    const b = await collect(writeLayerTar([...ENTRIES].reverse()));
    expect(sha256(a)).toBe(sha256(b));
  });

  it("names directories with a trailing slash and is readable by GNU tar", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-tar-"));
    const file = join(dir, "layer.tar");
    writeFileSync(file, await collect(writeLayerTar(ENTRIES.filter((e) => e.type !== "character-device"))));
    const listing = execFileSync("tar", ["-tf", file], { encoding: "utf8" }).split("\n");
    expect(listing).toContain("a/");
    expect(listing).toContain("opq/.wh..wh..opq");
    expect(listing).toContain("a/.wh.gone");
    expect(listing).toContain(longName);
    expect(listing.filter((l) => l.includes("PaxHeader"))).toEqual([]);
  });

  it("refuses duplicate paths and '..'", () => {
    expect(() => writeLayerTar([{ type: "directory", path: "x" }, { type: "directory", path: "./x/" }])).toThrow(/two entries/);
    expect(() => writeLayerTar([{ type: "directory", path: "a/../b" }])).toThrow(/"\.\."/);
  });

  it("streams file content and fails when a file's size differs from what was announced", async () => {
    const ok = await collect(writeLayerTar([{ type: "file", path: "f", content: { size: 3, open: async function* () { yield Buffer.from("ab"); yield Buffer.from("c"); } } }]));
    expect((await headers(ok))[0]?.body.toString()).toBe("abc");
    const bad = writeLayerTar([{ type: "file", path: "f", content: { size: 5, open: async function* () { yield Buffer.from("ab"); } } }]);
    await expect(collect(bad)).rejects.toThrow(/f shrank/);
  });

  it("writes the same bytes when small files are read synchronously into the batch, across batch boundaries", async () => {
    const sizes = [0, 1, 511, 512, 513, 100_000, 262_144, 262_145, 700_000, 3, 200_000, 262_143, 90_000];
    const bodies = sizes.map((n, i) => Buffer.alloc(n, i + 1));
    const streamed: LayerEntry[] = bodies.map((b, i) => ({ type: "file", path: `f${String(i).padStart(2, "0")}`, content: { size: b.length, open: async function* () { yield b; } } }));
    const inline: LayerEntry[] = bodies.map((b, i) => ({
      type: "file",
      path: `f${String(i).padStart(2, "0")}`,
      content: { size: b.length, open: async function* () { yield b; }, readInto: (t: Buffer, off: number) => void b.copy(t, off) },
    }));
    const want = await collect(writeLayerTar(streamed));
    const chunks: Buffer[] = [];
    for await (const c of writeLayerTar(inline)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(want)).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c.length === 1 << 20)).toBe(true);
    const grew: LayerEntry = { type: "file", path: "g", content: { size: 2, open: async function* () {}, readInto: () => { throw new Error("g grew while it was being archived"); } } };
    await expect(collect(writeLayerTar([grew]))).rejects.toThrow(/g grew/);
  });
});

describe("entriesFromDir", () => {
  it("walks with lstat in depth-first bytewise order, keeps symlinks and turns shared inodes into hardlinks", async () => {
    const { entriesFromDir } = await import("../../src/image/tar-walk.js");
    const { linkSync, symlinkSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-walk-"));
    mkdirSync(join(dir, "a"));
    writeFileSync(join(dir, "a", "b"), "x");
    writeFileSync(join(dir, "a-b"), "y");
    linkSync(join(dir, "a", "b"), join(dir, "z"));
    symlinkSync("/etc/passwd", join(dir, "l"));
    const entries = await entriesFromDir(dir);
    expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual(["directory:a", "file:a/b", "file:a-b", "symlink:l", "hardlink:z"]);
    const list = await headers(await collect(writeLayerTar(entries)));
    expect(list.map((e) => e.h.name)).toEqual(["a", "a/b", "a-b", "l", "z"]);
    expect(list[3]?.h.linkname).toBe("/etc/passwd");
    expect(list[4]?.h).toMatchObject({ type: "link", linkname: "a/b" });
  });
});

describe("writeLayerTar reading walked files synchronously (FileContent.readInto)", () => {
  it("writes the bytes the stream path writes, across output blocks, and refuses a changed or swapped file", async () => {
    const { entriesFromDir } = await import("../../src/image/tar-walk.js");
    const { symlinkSync, truncateSync, unlinkSync, appendFileSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-walkfile-"));
    const sizes = [0, 1, 511, 512, 513, 300_000, 1_048_576, 2_500_001];
    sizes.forEach((n, i) => writeFileSync(join(dir, `f${i}`), Buffer.alloc(n, i + 1)));
    const entries = await entriesFromDir(dir);
    const small = entries.filter((e) => e.type === "file" && !(e.content instanceof Uint8Array) && e.content.readInto !== undefined).map((e) => e.path);
    expect(small).toEqual(["f0", "f1", "f2", "f3", "f4"]);
    const streamed = entries.map((e) => (e.type === "file" && !(e.content instanceof Uint8Array) ? { ...e, content: { size: e.content.size, open: e.content.open } } : e));
    const direct = await collect(writeLayerTar(entries));
    expect(direct.equals(await collect(writeLayerTar(streamed)))).toBe(true);
    const chunks: number[] = [];
    for await (const c of writeLayerTar(entries)) chunks.push((c as Buffer).length);
    expect(chunks.slice(0, -1).every((n) => n === 1 << 20)).toBe(true);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(direct.length);
    truncateSync(join(dir, "f2"), 100);
    await expect(collect(writeLayerTar(entries))).rejects.toThrow(/f2 shrank while it was being archived/);
    writeFileSync(join(dir, "f2"), Buffer.alloc(511, 3));
    appendFileSync(join(dir, "f2"), "more");
    await expect(collect(writeLayerTar(entries))).rejects.toThrow(/f2 grew while it was being archived/);
    unlinkSync(join(dir, "f2"));
    symlinkSync(join(dir, "f6"), join(dir, "f2"));
    await expect(collect(writeLayerTar(entries))).rejects.toThrow(/ELOOP.*f2/);
  });
});
