// gzipMembers: parallel gzip as consecutive members, readable by any gzip reader, deterministic.
import { createCipheriv } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipMembers } from "../../src/image/gzip-members.js";

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of it) out.push(b);
  return Buffer.concat(out);
}

/** randomBytes returns reproducible incompressible bytes (an AES-CTR keystream). */
function randomBytes(n: number): Buffer {
  return createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), Buffer.alloc(16)).update(Buffer.alloc(n));
}

describe("gzipMembers", () => {
  it("round-trips through gunzip, one member per chunk, in input order", async () => {
    const text = Buffer.from("layer tar bytes ".repeat(20_000));
    const input = Buffer.concat([text, randomBytes(300_000), Buffer.alloc(50_000)]);
    const pieces = [input.subarray(0, 1), input.subarray(1, 123_457), input.subarray(123_457)];
    const seen: Buffer[] = [];
    const gz = await collect(gzipMembers(pieces, { memberBytes: 100_000, parallel: 3, onInput: (b) => seen.push(b) }));
    expect(gunzipSync(gz).equals(input)).toBe(true);
    expect(Buffer.concat(seen).equals(input)).toBe(true);
    let members = 0;
    for (let i = gz.indexOf(Buffer.from([0x1f, 0x8b, 0x08])); i >= 0; i = gz.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), i + 1)) members++;
    expect(members).toBeGreaterThanOrEqual(Math.ceil(input.length / 100_000));
  });

  it("gives the same bytes however the input is split", async () => {
    const input = Buffer.concat([randomBytes(200_000), Buffer.from("x".repeat(200_000))]);
    const a = await collect(gzipMembers([input], { memberBytes: 131_072 }));
    const b = await collect(gzipMembers([input.subarray(0, 7), input.subarray(7, 150_000), input.subarray(150_000)], { memberBytes: 131_072, parallel: 1 }));
    expect(a.equals(b)).toBe(true);
  });

  it("compresses text fully and stores random bytes, growing them by at most a few bytes per member", async () => {
    const text = Buffer.from("FROM busybox\nRUN echo hello\n".repeat(40_000));
    const textGz = await collect(gzipMembers([text]));
    expect(textGz.length).toBeLessThan(text.length / 20);
    const noise = randomBytes(1 << 20);
    const noiseGz = await collect(gzipMembers([noise]));
    expect(gunzipSync(noiseGz).equals(noise)).toBe(true);
    // Stored blocks: 5 bytes per 64 KiB block plus the gzip header and trailer.
    expect(noiseGz.length).toBeLessThan(noise.length + 200);
  });

  it("writes a valid empty gzip for empty input", async () => {
    const gz = await collect(gzipMembers([]));
    expect(gunzipSync(gz).length).toBe(0);
  });
});
