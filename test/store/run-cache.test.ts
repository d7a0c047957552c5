// The start cache (`<store>/run-cache`): prune keeps the records of the images it keeps, with
// their rootfs facts (run-facts.ts), and removes both for the others.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { Digest } from "../../src/core/digest.js";
import { factsPath, recordFacts } from "../../src/api/run-facts.js";
import { cacheRunImage, keepRunCaches } from "../../src/api/run-image.js";
import type { Store } from "../../src/store/store.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tsbuild-run-cache-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("prune keeps an image's start record and rootfs facts together, and removes both for the images it drops", async () => {
  const store = { root: dir } as Store;
  const kept = `sha256:${"1".repeat(64)}` as Digest;
  const dropped = `sha256:${"2".repeat(64)}` as Digest;
  const layer = join(dir, "layers/base-1");
  mkdirSync(layer, { recursive: true });
  for (const digest of [kept, dropped]) {
    await cacheRunImage(store, { digest, config: {}, lowers: [layer] });
    recordFacts(dir, digest, "key", ["etc/hosts"]);
  }
  expect(await keepRunCaches(store, new Set([kept]))).toEqual([layer]);
  expect(existsSync(join(dir, "run-cache", `${"1".repeat(64)}.json`))).toBe(true);
  expect(existsSync(factsPath(dir, kept))).toBe(true);
  expect(existsSync(join(dir, "run-cache", `${"2".repeat(64)}.json`))).toBe(false);
  expect(existsSync(factsPath(dir, dropped))).toBe(false);
});
