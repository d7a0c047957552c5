// The rootfs facts of an image (rootfs-facts.ts) and their record (api/run-facts.ts): what a
// container start would otherwise check through the mounted rootfs, read from the image's one
// lower dir and recorded for later starts of the same image with the same mounts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cachedFacts, factsPath, recordFacts } from "../../src/api/run-facts.js";
import { factsKey, rootfsFacts } from "../../src/runtime/rootfs-facts.js";
import { buildSpec } from "../../src/runtime/spec.js";
import type { OciSpec } from "../../src/runtime/oci-types.js";

let dir: string;
let lower: string;
let etc: { resolvConf: string; hosts: string; hostname: string };

/** specWith is a container's spec with the /etc files and `mounts` (binds of sources under `dir`). */
function specWith(mounts: { source: string; destination: string }[] = []): OciSpec {
  return buildSpec({ rootfs: lower, argv: ["true"], env: [], cwd: "/", user: { uid: 0, gid: 0, additionalGids: [] }, hostname: "h", mounts: mounts.map((m) => ({ type: "bind" as const, readonly: false, ...m })), network: "host", limits: {}, tty: false, readonlyRootfs: false, etcFiles: etc });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tsbuild-facts-"));
  lower = join(dir, "lower");
  for (const d of ["proc", "dev", "sys", "etc", "work"]) mkdirSync(join(lower, d), { recursive: true });
  writeFileSync(join(lower, "etc/hostname"), "image\n");
  const files = join(dir, "files");
  mkdirSync(files);
  etc = { resolvConf: join(files, "resolv.conf"), hosts: join(files, "hosts"), hostname: join(files, "hostname") };
  for (const f of Object.values(etc)) writeFileSync(f, "x\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("rootfsFacts", () => {
  it("lists the /etc targets the image lacks when the runtime needs to make nothing else", () => {
    expect(rootfsFacts(specWith(), "/", lower)).toEqual(["etc/resolv.conf", "etc/hosts"]);
    expect(rootfsFacts(specWith(), "/work", lower)).toEqual(["etc/resolv.conf", "etc/hosts"]);
  });

  it("names a target under a symlinked /etc by its resolved directory, as missingEtcTargets does", () => {
    rmSync(join(lower, "etc"), { recursive: true });
    mkdirSync(join(lower, "private/etc"), { recursive: true });
    symlinkSync("/private/etc", join(lower, "etc"));
    expect(rootfsFacts(specWith(), "/", lower)).toEqual(["private/etc/resolv.conf", "private/etc/hostname", "private/etc/hosts"]);
  });

  it("answers nothing when a directory would have to be made: a missing working directory or volume target", () => {
    expect(rootfsFacts(specWith(), "/missing", lower)).toBeUndefined();
    const volume = join(dir, "vol");
    mkdirSync(volume);
    expect(rootfsFacts(specWith([{ source: volume, destination: "/data" }]), "/", lower)).toBeUndefined();
    rmSync(join(lower, "sys"), { recursive: true });
    expect(rootfsFacts(specWith(), "/", lower)).toBeUndefined();
  });

  it("answers nothing for a file target in a missing directory, or one the image has as a dangling symlink", () => {
    expect(rootfsFacts(specWith([{ source: etc.hosts, destination: "/opt/app/conf" }]), "/", lower)).toBeUndefined();
    symlinkSync("/nowhere", join(lower, "etc/hosts"));
    expect(rootfsFacts(specWith(), "/", lower)).toBeUndefined();
  });

  it("refuses a kernel filesystem's target that is a symlink, as prepareMountTargets does", () => {
    rmSync(join(lower, "proc"), { recursive: true });
    symlinkSync("/etc", join(lower, "proc"));
    expect(() => rootfsFacts(specWith(), "/", lower)).toThrow("/proc must be an ordinary directory");
  });

  it("keys on the working directory and each mount's target, type and kind", () => {
    const volume = join(dir, "vol");
    mkdirSync(volume);
    expect(factsKey(specWith(), "/")).toBe(factsKey(specWith(), "/"));
    expect(factsKey(specWith(), "/")).not.toBe(factsKey(specWith(), "/work"));
    expect(factsKey(specWith(), "/")).not.toBe(factsKey(specWith([{ source: volume, destination: "/data" }]), "/"));
    expect(factsKey(specWith([{ source: volume, destination: "/data" }]), "/")).not.toBe(factsKey(specWith([{ source: etc.hosts, destination: "/data" }]), "/"));
  });
});

describe("recorded facts", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  beforeEach(() => mkdirSync(join(dir, "run-cache")));

  it("round-trip per image and key, and keep at most 16 keys, the newest", () => {
    expect(cachedFacts(dir, digest, "k0")).toBeUndefined();
    recordFacts(dir, digest, "k0", ["etc/hosts"]);
    expect(cachedFacts(dir, digest, "k0")).toEqual(["etc/hosts"]);
    expect(cachedFacts(dir, `sha256:${"cd".repeat(32)}`, "k0")).toBeUndefined();
    for (let i = 1; i <= 16; i++) recordFacts(dir, digest, `k${i}`, []);
    expect(cachedFacts(dir, digest, "k0")).toBeUndefined();
    expect(cachedFacts(dir, digest, "k1")).toEqual([]);
    expect(cachedFacts(dir, digest, "k16")).toEqual([]);
    expect(Object.keys(JSON.parse(readFileSync(factsPath(dir, digest), "utf8")))).toHaveLength(16);
  });

  it("are not used when the file is cut short, foreign, or names paths outside the rootfs", () => {
    writeFileSync(factsPath(dir, digest), '{"k":["etc/ho');
    expect(cachedFacts(dir, digest, "k")).toBeUndefined();
    writeFileSync(factsPath(dir, digest), '["k"]');
    expect(cachedFacts(dir, digest, "k")).toBeUndefined();
    writeFileSync(factsPath(dir, digest), JSON.stringify({ a: ["/etc/hosts"], b: ["../x"], c: [1], d: ["etc/hosts"] }));
    expect([cachedFacts(dir, digest, "a"), cachedFacts(dir, digest, "b"), cachedFacts(dir, digest, "c"), cachedFacts(dir, digest, "d")]).toEqual([undefined, undefined, undefined, ["etc/hosts"]]);
  });
});
