import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/digest.js";
import { importRootfs } from "../../src/image/import.js";
import { inspectImage, listImages, removeImages, resolveImage, tagImage } from "../../src/image/images.js";
import { saveArchive, saveLayoutDir } from "../../src/image/layout.js";
import { loadArchive } from "../../src/image/load.js";
import { unpackImage } from "../../src/image/unpack-image.js";
import { fsck } from "../../src/store/fsck.js";
import { prune } from "../../src/store/gc.js";
import { withLease } from "../../src/store/lease.js";
import { openStore, type Store } from "../../src/store/store.js";

let dir: string;
let store: Store;
let rootfsTar: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tsbuild-images-"));
  store = openStore(join(dir, "store"));
  const rootfs = join(dir, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  writeFileSync(join(rootfs, "bin/tool"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  symlinkSync("tool", join(rootfs, "bin/alias"));
  rootfsTar = join(dir, "rootfs.tar");
  execFileSync("tar", ["-C", rootfs, "-cf", rootfsTar, "."]);
  return () => store.close();
});

describe("image store operations", () => {
  it("imports a rootfs tar as a one-layer image whose diffID is the tar's digest, reproducibly with SOURCE_DATE_EPOCH", async () => {
    const a = await importRootfs(store, rootfsTar, ["app:1"], { sourceDateEpoch: 1_700_000_000 });
    expect(a.diffId).toBe(sha256(readFileSync(rootfsTar)));
    const b = await importRootfs(store, rootfsTar, ["app:2"], { sourceDateEpoch: 1_700_000_000 });
    expect(b.digest).toBe(a.digest);
    const info = await inspectImage(store, "app:1");
    expect(info).toMatchObject({ Digest: a.digest, Id: a.configDigest, RepoTags: ["app:1", "app:2"] });
    expect((info.Config as { created: string }).created).toBe("2023-11-14T22:13:20Z");
    expect(listImages(store)[0]?.created).toBe(1_700_000_000_000);
    const unpacked = join(dir, "out");
    await unpackImage(store, "app:1", unpacked);
    expect(readFileSync(join(unpacked, "bin/tool"), "utf8")).toContain("echo hi");
  });

  it("resolves names, digests and ID prefixes; tags; and removes as docker rmi does", async () => {
    const a = await importRootfs(store, rootfsTar, ["app:1"]);
    tagImage(store, "app:1", "registry.example.com:5000/team/app:v2");
    expect(resolveImage(store, a.configDigest.slice(7, 19))).toBe(a.digest);
    expect(resolveImage(store, `registry.example.com:5000/team/app@${a.digest}`)).toBe(a.digest);
    expect(listImages(store).map((r) => `${r.repository}:${r.tag}`)).toEqual(["app:1", "registry.example.com:5000/team/app:v2"]);
    await expect(removeImages(store, [a.configDigest.slice(7, 19)], false)).rejects.toThrow(/tagged as app:1, registry.example.com:5000\/team\/app:v2.*-f/);
    expect(await removeImages(store, ["app:1"], false)).toEqual({ untagged: ["app:1"], deleted: [] });
    expect(await removeImages(store, ["registry.example.com:5000/team/app:v2"], false)).toMatchObject({ deleted: [a.digest] });
    expect(await store.blobs.list()).toEqual([]);
    expect(() => resolveImage(store, "app:1")).toThrow(/no such image: app:1/);
  });

  it("saves and loads the OCI tar, the docker-load tar and an OCI layout directory", async () => {
    const a = await importRootfs(store, rootfsTar, ["app:1"]);
    for (const format of ["oci", "docker"] as const) {
      const file = join(dir, `${format}.tar`);
      await saveArchive(store, ["app:1"], file, format);
      const listing = execFileSync("tar", ["-tf", file], { encoding: "utf8" });
      expect(listing.includes("manifest.json")).toBe(format === "docker");
      const other = openStore(join(dir, `store-${format}`));
      const res = await loadArchive(other, file);
      expect(res.images).toEqual([{ digest: a.digest, tags: ["docker.io/library/app:1"] }]);
      expect((await fsck(other)).ok).toBe(true);
      other.close();
    }
    const layout = join(dir, "layout");
    await saveLayoutDir(store, ["app:1"], layout);
    expect(readFileSync(join(layout, "oci-layout"), "utf8")).toBe('{"imageLayoutVersion":"1.0.0"}');
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    expect(index.manifests[0].annotations).toEqual({ "io.containerd.image.name": "docker.io/library/app:1", "org.opencontainers.image.ref.name": "1" });
    expect(readdirSync(join(layout, "blobs/sha256")).length).toBe(3);
  });

  it("refuses an archive whose blob does not match its name, committing nothing", async () => {
    await importRootfs(store, rootfsTar, ["app:1"]);
    const file = join(dir, "x.tar");
    await saveArchive(store, ["app:1"], file, "oci");
    const bytes = readFileSync(file);
    const cfg = bytes.indexOf(Buffer.from('"architecture"'));
    bytes[cfg + 2] = (bytes[cfg + 2] ?? 0) ^ 0x01; // flip one byte inside the config blob
    writeFileSync(file, bytes);
    const other = openStore(join(dir, "other"));
    await expect(loadArchive(other, file)).rejects.toThrow(/sha256:[a-f0-9]{64}.*hashes to/);
    expect(other.meta.listImages()).toEqual([]);
    expect((await fsck(other)).ok).toBe(true);
    other.close();
  });

  it("fsck finds a flipped byte and a missing blob, and removes stray temp files of dead writers", async () => {
    const a = await importRootfs(store, rootfsTar, ["app:1"]);
    expect((await fsck(store)).ok).toBe(true);
    mkdirSync(store.blobs.tmpDir, { recursive: true });
    writeFileSync(join(store.blobs.tmpDir, "999999999-dead.tmp"), "partial");
    const layer = (await inspectImage(store, "app:1")).Layers as { digest: string }[];
    const p = store.blobs.path(layer[0]?.digest as never);
    const b = readFileSync(p);
    b[100] = (b[100] ?? 0) ^ 0xff;
    writeFileSync(p, b);
    const report = await fsck(store);
    expect(report.ok).toBe(false);
    expect(report.problems.map((x) => x.kind).sort()).toEqual(["corrupt-blob", "stray-temp"]);
    expect(report.problems.find((x) => x.kind === "corrupt-blob")?.message).toContain(layer[0]?.digest);
    expect(readdirSync(store.blobs.tmpDir)).toEqual([]);
    await store.blobs.delete(a.configDigest);
    expect((await fsck(store)).problems.map((x) => x.kind)).toContain("missing-blob");
  });

  it("prune removes untagged images and unreferenced blobs but never leased content", async () => {
    const a = await importRootfs(store, rootfsTar, ["app:1"]);
    const stray = await store.blobs.write(Buffer.from("unreferenced"));
    await withLease(store, async (lease) => {
      lease.add([a.digest]);
      const r = await prune(store, { all: true });
      expect(r.images).toEqual([]);
      expect(await store.blobs.has(a.digest)).toBe(true);
      expect(await store.blobs.has(stray.digest)).toBe(true); // committed within the clock slack of the live lease, so it may belong to it
    });
    const r = await prune(store, { all: true });
    expect(r.images).toEqual([a.digest]);
    expect(await store.blobs.list()).toEqual([]);
    expect((await fsck(store)).ok).toBe(true);
  });

  it("loads an OCI layout whose index nests a multi-platform index, choosing the host platform", async () => {
    const a = await importRootfs(store, rootfsTar, ["app:1"]);
    const layout = join(dir, "multi");
    await saveLayoutDir(store, ["app:1"], layout);
    const { encodeJson, descriptorOf, MediaTypes } = await import("../../src/image/oci.js");
    const { hostPlatform } = await import("../../src/image/platform.js");
    const manifest = JSON.parse(readFileSync(join(layout, "blobs/sha256", a.digest.slice(7)), "utf8"));
    const other = encodeJson({ ...manifest, annotations: { variant: "other-platform" } });
    writeFileSync(join(layout, "blobs/sha256", sha256(other).slice(7)), other);
    const nested = encodeJson({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { ...descriptorOf(MediaTypes.ociManifest, other), platform: { os: "linux", architecture: "s390x-other" } },
        { mediaType: MediaTypes.ociManifest, digest: a.digest, size: readFileSync(join(layout, "blobs/sha256", a.digest.slice(7))).length, platform: hostPlatform() },
      ],
    });
    writeFileSync(join(layout, "blobs/sha256", sha256(nested).slice(7)), nested);
    writeFileSync(join(layout, "index.json"), encodeJson({ schemaVersion: 2, manifests: [{ ...descriptorOf(MediaTypes.ociIndex, nested), annotations: { "io.containerd.image.name": "docker.io/library/multi:1" } }] }));
    const file = join(dir, "multi.tar");
    execFileSync("tar", ["-C", layout, "-cf", file, "."]);
    const other2 = openStore(join(dir, "store-multi"));
    expect((await loadArchive(other2, file)).images).toEqual([{ digest: a.digest, tags: ["docker.io/library/multi:1"] }]);
    other2.close();
  });

  it("refuses a docker archive whose manifest.json names files outside the archive", async () => {
    const evil = join(dir, "evil");
    mkdirSync(evil);
    writeFileSync(join(evil, "manifest.json"), JSON.stringify([{ Config: "../../etc/passwd", RepoTags: ["evil:1"], Layers: [] }]));
    const file = join(dir, "evil.tar");
    execFileSync("tar", ["-C", evil, "-cf", file, "."]);
    await expect(loadArchive(store, file)).rejects.toThrow(/names \.\.\/\.\.\/etc\/passwd, which is not in the archive/);
    expect(store.meta.listImages()).toEqual([]);
  });

  it("saves to a stream and loads from a stream (docker save | gzip | docker load)", async () => {
    const a = await importRootfs(store, rootfsTar, ["app:1"]);
    const { PassThrough } = await import("node:stream");
    const { createGzip } = await import("node:zlib");
    const pipe = new PassThrough();
    const gz = pipe.pipe(createGzip());
    const saved = saveArchive(store, ["app:1"], pipe, "docker").then(() => pipe.end());
    const other = openStore(join(dir, "store-stream"));
    const [res] = await Promise.all([loadArchive(other, { name: "stdin", stream: gz }), saved]);
    expect(res.images).toEqual([{ digest: a.digest, tags: ["docker.io/library/app:1"] }]);
    other.close();
  });
});
