/**
 * The rootfs facts of an image (runtime/rootfs-facts.ts), kept next to its start cache record in
 * `<store>/run-cache/<hex>.facts.json`: for each factsKey that rootfsFacts answered, the /etc
 * targets the image lacks. A later start with the same key reads them instead of the rootfs, so
 * nothing waits between the overlay's mount and the runtime's start. Missing, unreadable or
 * foreign files only mean the rootfs is read again; writes are whole (temp file and rename), and
 * when two starts record at once one's entries may be lost, which costs the next start a read.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hexOf, type Digest } from "../core/digest.js";
import { randomHex } from "../core/random.js";

/** MAX_ENTRIES bounds the keys kept per image (the oldest go first). */
const MAX_ENTRIES = 16;

/** Facts maps a factsKey to the /etc targets the image lacks. */
type Facts = Record<string, string[]>;

/** factsPath is the facts file of image `digest` in store `storeRoot`. */
export function factsPath(storeRoot: string, digest: string): string {
  return `${storeRoot}/run-cache/${hexOf(digest as Digest)}.facts.json`;
}

/** readFacts reads the facts file of `digest`; empty when it is missing or not one of ours. */
function readFacts(storeRoot: string, digest: string): Facts {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(factsPath(storeRoot, digest), "utf8"));
  } catch (err) {
    // Missing (the image's first starts) or not JSON (cut short): read the rootfs again.
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || err instanceof SyntaxError) return {};
    throw err;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return {};
  const out: Facts = {};
  for (const [key, stubs] of Object.entries(doc)) {
    if (Array.isArray(stubs) && stubs.every((s) => typeof s === "string" && !s.startsWith("/") && !s.split("/").includes(".."))) out[key] = stubs as string[];
  }
  return out;
}

/** cachedFacts returns the recorded answer of rootfsFacts for image `digest` and `key`, if any. */
export function cachedFacts(storeRoot: string, digest: string, key: string): string[] | undefined {
  return readFacts(storeRoot, digest)[key];
}

/** recordFacts records `stubs` as rootfsFacts' answer for image `digest` and `key`. */
export function recordFacts(storeRoot: string, digest: string, key: string, stubs: readonly string[]): void {
  const facts = readFacts(storeRoot, digest);
  delete facts[key];
  const entries = [...Object.entries(facts), [key, [...stubs]] as const].slice(-MAX_ENTRIES);
  const path = factsPath(storeRoot, digest);
  const tmp = `${path}.${randomHex(4)}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(entries)), { mode: 0o600 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
