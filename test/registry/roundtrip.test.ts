// Round trips against a real registry (Debian's docker-registry on 127.0.0.1): push, remove,
// pull by tag and by digest give the same digests; a second repository gets blobs by mount.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256, type Digest } from "../../src/core/digest.js";
import { descriptorOf, encodeJson, MediaTypes } from "../../src/image/oci.js";
import { importRootfs } from "../../src/image/import.js";
import { addImage, readImage, removeImages, resolveImage } from "../../src/image/images.js";
import { pull } from "../../src/registry/pull.js";
import { push } from "../../src/registry/push.js";
import { fsck } from "../../src/store/fsck.js";
import { openStore, type Store } from "../../src/store/store.js";
import { busyboxAvailable, makeBusyboxRootfs } from "../helpers/rootfs.js";
import { registryMissing, startRegistry, type TestRegistry } from "../helpers/registry.js";
import { runCli } from "../helpers/cli.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = registryMissing() ?? (busyboxAvailable() ? undefined : "busybox-static is not installed");
requirePrerequisites("registry tests", missing);
const noCreds = async () => undefined;

describe.skipIf(missing !== undefined)("registry round trips (docker-registry)", () => {
  let reg: TestRegistry;
  let dir: string;
  let store: Store;
  let imported: Digest;

  beforeAll(async () => {
    reg = await startRegistry();
    dir = mkdtempSync(join(tmpdir(), "tsbuild-regtest-"));
    store = openStore(join(dir, "store"));
    const fs = makeBusyboxRootfs();
    execFileSync("tar", ["-C", fs.rootfs, "-cf", join(dir, "busybox.tar"), "."]);
    fs.cleanup();
    imported = (await importRootfs(store, join(dir, "busybox.tar"), [`${reg.host}/test/busybox:1`], { sourceDateEpoch: 0 })).digest;
  }, 60_000);

  afterAll(async () => {
    store?.close();
    await reg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("pushes, then pulls by tag and by digest to the same digests", async () => {
    const ref = `${reg.host}/test/busybox:1`;
    const pushed = await push(store, ref, { credentials: noCreds });
    expect(pushed.digest).toBe(imported);
    expect(pushed.blobs.map((b) => b.state).sort()).toEqual(["uploaded", "uploaded"]);
    const before = await readImage(store, imported);
    await removeImages(store, [ref], false);
    expect(() => resolveImage(store, ref)).toThrow(/no such image/);
    const byTag = await pull(store, ref, { credentials: noCreds });
    expect(byTag.digest).toBe(imported);
    const after = await readImage(store, resolveImage(store, ref));
    expect(after.manifest.layers.map((l) => l.digest)).toEqual(before.manifest.layers.map((l) => l.digest));
    expect(after.manifest.config.digest).toBe(before.manifest.config.digest);
    await removeImages(store, [ref], false);
    const byDigest = await pull(store, `${reg.host}/test/busybox@${imported}`, { credentials: noCreds });
    expect(byDigest.digest).toBe(imported);
    expect((await fsck(store)).problems).toEqual([]);
    const byDigestPush = await push(store, `${reg.host}/test/busybox@${imported}`, { credentials: noCreds });
    expect(byDigestPush.digest).toBe(imported);
    expect(store.meta.getRef(`${reg.host}/test/busybox:latest`)).toBeUndefined();
  }, 60_000);

  it("mounts blobs from another repository of the same registry on a second push", async () => {
    store.meta.setRef(`${reg.host}/test/busybox:1`, imported);
    await push(store, `${reg.host}/test/busybox:1`, { credentials: noCreds });
    store.meta.setRef(`${reg.host}/other/copy:2`, imported);
    const second = await push(store, `${reg.host}/other/copy:2`, { credentials: noCreds });
    expect(second.blobs.map((b) => b.state).sort()).toEqual(["mounted", "mounted"]);
    expect(reg.log()).toMatch(/POST \/v2\/other\/copy\/blobs\/uploads\/\?mount=sha256%3A[0-9a-f]{64}&from=test%2Fbusybox[^"]*" 201/);
    const again = await push(store, `${reg.host}/other/copy:2`, { credentials: noCreds });
    expect(again.blobs.map((b) => b.state)).toEqual(["exists", "exists"]);
  }, 60_000);

  it("pushes large blobs in PATCH chunks", async () => {
    for (const key of store.meta.refsTo(imported)) store.meta.deleteRef(key); // no mount source: the blobs must be uploaded
    store.meta.setRef(`${reg.host}/chunked/img:1`, imported);
    const res = await push(store, `${reg.host}/chunked/img:1`, { credentials: noCreds, chunkThreshold: 100, chunkSize: 64 * 1024 });
    expect(res.digest).toBe(imported);
    expect(res.blobs.map((b) => b.state)).toEqual(["uploaded", "uploaded"]);
    expect(reg.log()).toMatch(/PATCH \/v2\/chunked\/img\/blobs\/uploads\//);
    await removeImages(store, [`${reg.host}/chunked/img:1`], false);
    expect((await pull(store, `${reg.host}/chunked/img:1`, { credentials: noCreds })).digest).toBe(imported);
  }, 60_000);

  it("pulls Docker Hub names through a configured mirror", async () => {
    store.meta.setRef(`${reg.host}/library/busybox:mirrored`, imported);
    await push(store, `${reg.host}/library/busybox:mirrored`, { credentials: noCreds });
    for (const key of store.meta.refsTo(imported)) store.meta.deleteRef(key);
    const res = await pull(store, "busybox:mirrored", { credentials: noCreds, registryMirrors: ["127.0.0.1:1", `http://${reg.host}`], retries: 0 });
    expect(res.digest).toBe(imported);
    expect(res.reference).toBe("docker.io/library/busybox:mirrored");
    expect(store.meta.getRef("docker.io/library/busybox:mirrored")).toBe(imported);
  }, 60_000);

  it("pulls the host's image from a two-platform index pushed to the registry", async () => {
    const host = await readImage(store, imported);
    const otherArch = host.config.architecture === "amd64" ? "arm64" : "amd64";
    const otherConfig = encodeJson({ ...host.config, architecture: otherArch });
    await store.blobs.write(otherConfig);
    const otherManifest = encodeJson({ ...host.manifest, config: descriptorOf(host.manifest.config.mediaType, otherConfig) });
    const otherDigest = await addImage(store, otherManifest, [`${reg.host}/multi/img:other`]);
    store.meta.setRef(`${reg.host}/multi/img:host`, imported);
    await push(store, `${reg.host}/multi/img:host`, { credentials: noCreds });
    await push(store, `${reg.host}/multi/img:other`, { credentials: noCreds });
    const index = encodeJson({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { ...descriptorOf(MediaTypes.ociManifest, otherManifest), platform: { os: "linux", architecture: otherArch } },
        { ...descriptorOf(MediaTypes.ociManifest, host.manifestBytes), platform: { os: "linux", architecture: host.config.architecture } },
      ],
    });
    const put = await fetch(`http://${reg.host}/v2/multi/img/manifests/both`, { method: "PUT", headers: { "content-type": MediaTypes.ociIndex }, body: index });
    expect(put.status).toBe(201);
    for (const key of store.meta.refsTo(imported).concat(store.meta.refsTo(otherDigest))) store.meta.deleteRef(key);
    const res = await pull(store, `${reg.host}/multi/img:both`, { credentials: noCreds });
    expect(res.digest).toBe(imported);
    expect(res.indexDigest).toBe(sha256(index));
    const arm = await pull(store, `${reg.host}/multi/img:both`, { credentials: noCreds, platform: { os: "linux", architecture: otherArch } });
    expect(arm.digest).toBe(otherDigest);
  }, 60_000);

  it("tsbuild push and tsbuild pull work from the command line", async () => {
    const ref = `${reg.host}/cli/busybox:3`;
    store.meta.setRef(ref, imported);
    const root = ["--root", join(dir, "store")];
    const pushed = await cli(...root, "push", ref);
    expect(pushed.code).toBe(0);
    expect(pushed.out).toBe(`${ref}: digest: ${imported}\n`);
    await removeImages(store, [ref], false);
    const pulled = await cli(...root, "pull", ref);
    expect(pulled.code).toBe(0);
    expect(pulled.out).toBe(`${ref}\n`);
    expect(pulled.err).toContain(`Digest: ${imported}`);
    const missing = await cli(...root, "pull", `${reg.host}/cli/nothing:1`);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(new RegExp(`cannot get manifest from ${reg.host}/cli/nothing: HTTP 404 (MANIFEST_UNKNOWN|NAME_UNKNOWN)`));
  }, 60_000);
});

const cli = (...args: string[]) => runCli(args);
