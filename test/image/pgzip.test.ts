// parallelGzip writes gzip that gunzip (Node's and GNU gzip) decodes to the input, with both
// engines: libdeflate (tsbuild's native addon, one member per block) and Node's zlib (one member,
// blocks primed with the previous block's last 32 KiB); for empty input, sizes around the block
// boundary, and repetitive data whose matches cross blocks. The bytes each engine writes are
// pinned against the plain calls the format is made of.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { constants, crc32, deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { nativeDeflate } from "../../src/image/native-deflate.js";
import { incompressible, parallelGzip, type GzipEngine } from "../../src/image/pgzip.js";
import { writeLayerTar } from "../../src/image/tar.js";
import type { LayerEntry } from "../../src/image/tar-entry.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const addon = nativeDeflate();
requirePrerequisites("the libdeflate gzip engine tests", addon ? undefined : "tsbuild's native deflate is not built (npm run build:native needs a C compiler and libdeflate-dev)");
const engines: GzipEngine[] = addon ? ["libdeflate", "zlib"] : ["zlib"];

async function gzip(data: Buffer, blockBytes: number, level = 1, parallel = 3, engine: GzipEngine = "zlib"): Promise<Buffer> {
  async function* chunks() {
    for (let i = 0; i < data.length; i += 7777) yield data.subarray(i, i + 7777);
  }
  const out: Buffer[] = [];
  for await (const c of parallelGzip(chunks(), { level, blockBytes, parallel, engine })) out.push(c);
  return Buffer.concat(out);
}

describe("parallelGzip", () => {
  const block = 64 * 1024;
  const text = Buffer.from("the same words again and again, so matches reach back across blocks ".repeat(5000));
  const cases: [string, Buffer][] = [
    ["empty", Buffer.alloc(0)],
    ["one byte", Buffer.from("x")],
    ["exactly one block", randomBytes(block)],
    ["one block and one byte", randomBytes(block + 1)],
    ["repetitive text over many blocks", text],
    ["random and text mixed", Buffer.concat([randomBytes(3 * block + 5), text, randomBytes(block)])],
  ];
  for (const engine of engines) {
    for (const [name, data] of cases) {
      it(`round-trips ${name} (${engine})`, async () => {
        for (const level of [1, 6]) {
          const gz = await gzip(data, block, level, 3, engine);
          expect(gunzipSync(gz).equals(data)).toBe(true);
          expect(execFileSync("gzip", ["-dc"], { input: gz, maxBuffer: 1 << 26 }).equals(data)).toBe(true);
        }
      });
    }

    it(`round-trips blocks stored because their sample hardly compresses, next to deflated ones (${engine})`, async () => {
      const big = 256 * 1024;
      const data = Buffer.concat([randomBytes(big), text, randomBytes(big + 3), text]);
      const gz = await gzip(data, big, 6, 2, engine);
      expect(gunzipSync(gz).equals(data)).toBe(true);
      expect(execFileSync("gzip", ["-dc"], { input: gz, maxBuffer: 1 << 26 }).equals(data)).toBe(true);
      expect(gz.length).toBeLessThan(data.length - text.length);
      expect((await gzip(data, big, 6, 1, engine)).equals(gz)).toBe(true);
    });

    it(`ends the stream with a stored final block when the last block is incompressible, as gzip -t accepts (${engine})`, async () => {
      const big = 256 * 1024;
      const data = Buffer.concat([text, randomBytes(big + 200_000)]);
      const gz = await gzip(data, big, 6, 2, engine);
      expect(gunzipSync(gz).equals(data)).toBe(true);
      execFileSync("gzip", ["-t"], { input: gz });
      expect((await gzip(data, big, 6, 4, engine)).equals(gz)).toBe(true);
    });

    it(`compresses repetitive data and gives the same bytes whatever the parallelism (${engine})`, async () => {
      const one = await gzip(text, block, 6, 1, engine);
      expect(one.length).toBeLessThan(text.length / 40);
      expect((await gzip(text, block, 6, 4, engine)).equals(one)).toBe(true);
    });
  }

  it("uses libdeflate by default when the addon is built, zlib when asked", async () => {
    const data = Buffer.concat([text, randomBytes(3 * block)]);
    const byDefault: Buffer[] = [];
    for await (const c of parallelGzip((async function* () { yield data; })(), { level: 1, blockBytes: block })) byDefault.push(c);
    expect(Buffer.concat(byDefault).equals(await gzip(data, block, 1, 3, addon ? "libdeflate" : "zlib"))).toBe(true);
    expect((await gzip(data, block, 1, 3, "zlib")).equals(await gzip(data, block, 1, 3, addon ? "libdeflate" : "zlib"))).toBe(!addon);
  });

  it.runIf(addon !== undefined)("libdeflate: writes one gzip member per block, each its block's raw deflate with its CRC-32 and length", async () => {
    const native = addon!;
    const data = Buffer.concat([text, randomBytes(3 * block), text.subarray(0, 100_000)]);
    const gz = await gzip(data, block, 6, 3, "libdeflate");
    // Blob digests depend on these bytes: the reference is the addon called block by block (its
    // members are checked below to be exactly header, raw deflate, CRC-32 and length).
    const members: Buffer[] = [];
    for (let off = 0; off < data.length; off += block) members.push(await native.deflateMember(data.subarray(off, off + block), 6, 0));
    expect(gz.equals(Buffer.concat(members))).toBe(true);
    expect(members.length).toBe(Math.ceil(data.length / block));
    for (const [i, m] of members.entries()) {
      const piece = data.subarray(i * block, (i + 1) * block);
      expect([...m.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
      expect(inflateRawSync(m.subarray(10, m.length - 8)).equals(piece)).toBe(true);
      expect(m.readUInt32LE(m.length - 8)).toBe(crc32(piece));
      expect(m.readUInt32LE(m.length - 4)).toBe(piece.length);
    }
    // Input that fills whole blocks gets no empty member after them; empty input is one empty member.
    const two = data.subarray(0, 2 * block);
    expect((await gzip(two, block, 1, 2, "libdeflate")).equals(Buffer.concat([await native.deflateMember(two.subarray(0, block), 1, 4), await native.deflateMember(two.subarray(block), 1, 4)]))).toBe(true);
    const empty = await gzip(Buffer.alloc(0), block, 1, 2, "libdeflate");
    expect(empty.equals(await native.deflateMember(Buffer.alloc(0), 1, 4))).toBe(true);
    expect(gunzipSync(empty).length).toBe(0);
  });

  it.runIf(addon !== undefined)("libdeflate: stores a block sampled as incompressible, and rejects bad arguments", async () => {
    const native = addon!;
    const random = randomBytes(512 * 1024);
    const gz = await gzip(random, 512 * 1024, 6, 2, "libdeflate");
    expect(gz.equals(await native.deflateMember(random, 0, 0))).toBe(true);
    expect(gz.length).toBeLessThan(random.length + 64);
    expect(() => native.deflateMember("text" as unknown as Uint8Array, 1, 4)).toThrow(/Uint8Array/);
    expect(() => native.deflateMember(random, 13, 4)).toThrow(/level/);
    expect(() => native.deflateMember(random, 1, 256)).toThrow(/xfl/);
  });

  it("zlib: writes exactly the bytes of raw deflate per block, sync-flushed and primed with the previous block's last 32 KiB", async () => {
    // Blob digests depend on these bytes: the reference is the plain zlib calls the format is made of.
    const data = Buffer.concat([text, randomBytes(3 * block), text.subarray(0, 100_000)]);
    const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])];
    for (let off = 0; off < data.length; off += block) {
      const piece = data.subarray(off, off + block);
      const last = off + block >= data.length;
      const dict = off === 0 ? {} : { dictionary: data.subarray(off - 32 * 1024, off) };
      parts.push(deflateRawSync(piece, { level: 6, memLevel: 9, ...dict, ...(last ? {} : { finishFlush: constants.Z_SYNC_FLUSH }) }));
    }
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(data), 0);
    trailer.writeUInt32LE(data.length, 4);
    parts.push(trailer);
    // Blocks under 128 KiB are never stored: this input is deflated whole, random blocks included.
    expect((await gzip(data, block, 6, 3, "zlib")).equals(Buffer.concat(parts))).toBe(true);
  });

  it("zlib: carries the dictionary across blocks, so matches reach back into the previous block", async () => {
    const one = await gzip(text, block, 6, 1, "zlib");
    expect(one.length).toBeLessThan(text.length / 50);
  });

  describe("incompressible (which blocks are stored, not deflated)", () => {
    const MiB = 1024 * 1024;
    /** deflated is the size ratio deflate level 1 gives `b`. */
    const deflated = (b: Buffer) => deflateRawSync(b, { level: 1 }).length / b.length;
    const words = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `word${(i * 7919) % 1000} `).join("")).subarray(0, n);

    it("stores random bytes and compressed data, which deflate does not shrink", () => {
      const random = randomBytes(MiB);
      // Compressed files as a layer holds them: many gzip streams of different texts, one after another.
      const gzips = Buffer.concat(Array.from({ length: 256 }, (_, i) => gzipSync(Buffer.from(randomBytes(10_000 + i).toString("hex"))))).subarray(0, MiB);
      for (const [name, b] of [["random", random], ["gzip streams", gzips]] as const) {
        expect(b.length, name).toBe(MiB);
        expect(deflated(b), name).toBeGreaterThan(0.95);
        expect(incompressible(b), name).toBe(true);
      }
    });

    it("stores a tar of random files, headers and padding included, which deflate shrinks by less than a tenth", async () => {
      const entries: LayerEntry[] = Array.from({ length: 200 }, (_, i) => ({ type: "file", path: `d/f${i}.bin`, mode: 0o644, content: randomBytes(6000 + ((i * 7919) % 8000)) }));
      const parts: Buffer[] = [];
      for await (const c of writeLayerTar(entries)) parts.push(Buffer.from(c));
      const tar = Buffer.concat(parts).subarray(0, MiB);
      expect(tar.length).toBe(MiB);
      expect(deflated(tar)).toBeGreaterThan(0.9);
      expect(incompressible(tar)).toBe(true);
    });

    it("deflates text, executables and blocks that are only partly random", () => {
      const half = Buffer.concat([randomBytes(MiB / 2), words(MiB / 2)]);
      const spiky = Buffer.concat([randomBytes(0.9 * MiB), Buffer.alloc(0.1 * MiB)]);
      const executable = readFileSync(process.execPath).subarray(8 * MiB, 9 * MiB);
      for (const [name, b] of [["text", words(MiB)], ["half random, half text", half], ["random with a tenth zeros", spiky], ["node's executable", executable]] as const) {
        expect(deflated(b), name).toBeLessThan(0.92);
        expect(incompressible(b), name).toBe(false);
      }
    });

    it("always deflates blocks under 128 KiB, and decides from the block's bytes alone", () => {
      expect(incompressible(randomBytes(128 * 1024 - 1))).toBe(false);
      expect(incompressible(randomBytes(128 * 1024))).toBe(true);
      // Random bytes at the start and text after: the sample runs reach past the start.
      expect(incompressible(Buffer.concat([randomBytes(600 * 1024), words(424 * 1024)]))).toBe(false);
    });
  });
});
