import { describe, expect, it } from "vitest";
import { randomHex } from "../../src/core/random.js";

describe("randomHex", () => {
  it("gives lower-case hex of the asked length, never the same twice across pool refills", () => {
    const seen = new Set<string>();
    // 2,000 x 6 bytes: dozens of pool refills.
    for (let i = 0; i < 2000; i++) {
      const h = randomHex(6);
      expect(h).toMatch(/^[0-9a-f]{12}$/);
      seen.add(h);
    }
    expect(seen.size).toBe(2000);
  });

  it("serves requests larger than its pool and of every size up to it", () => {
    expect(randomHex(1000)).toMatch(/^[0-9a-f]{2000}$/);
    for (let n = 1; n <= 256; n += 17) expect(randomHex(n)).toHaveLength(2 * n);
  });

  it("hands out bytes that look random: every hex digit appears about equally often", () => {
    const counts = new Map<string, number>();
    // From the pool: 328 requests of 200 bytes.
    let digits = "";
    for (let i = 0; i < 328; i++) digits += randomHex(200);
    digits = digits.slice(0, 131072);
    for (const c of digits) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(16);
    // 131,072 digits: 8,192 each on average; a real source stays well within 10%.
    for (const n of counts.values()) expect(Math.abs(n - 8192)).toBeLessThan(820);
  });
});
