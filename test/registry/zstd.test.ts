// zstd layers: Node.js 20 has no zstd decoder, so pulling an image with a zstd layer fails before
// any download, naming the layer's digest and media type; unpacking one that got into the store
// (a zstd stream under a gzip media type) fails naming the layer too.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/digest.js";
import { addImage } from "../../src/image/images.js";
import { encodeJson, MediaTypes } from "../../src/image/oci.js";
import { hostPlatform } from "../../src/image/platform.js";
import { unpackImage } from "../../src/image/unpack-image.js";
import { pull } from "../../src/registry/pull.js";
import { openStore, type Store } from "../../src/store/store.js";
import { startFake, type FakeServer } from "../helpers/fake-registry.js";

// A zstd frame header (magic 28 b5 2f fd) and some bytes: enough for detection, never decoded.
const layer = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00]), Buffer.alloc(64, 7)]);
const config = encodeJson({ ...hostPlatform(), rootfs: { type: "layers", diff_ids: [sha256(Buffer.from("x"))] }, config: {} });

function manifestWith(mediaType: string): Buffer {
  return encodeJson({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha256(config), size: config.length },
    layers: [{ mediaType, digest: sha256(layer), size: layer.length }],
  });
}

describe("zstd layers", () => {
  let dir: string;
  let store: Store;
  let server: FakeServer | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-zstd-"));
    store = openStore(join(dir, "store"));
  });
  afterEach(async () => {
    store.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const mediaType of [MediaTypes.ociLayerZstd, "application/vnd.docker.image.rootfs.diff.tar.zstd"]) {
    it(`refuses to pull a ${mediaType} layer, naming its digest and media type, and downloads nothing`, async () => {
      const manifest = manifestWith(mediaType);
      server = await startFake((req, res) => {
        if ((req.url ?? "").includes("/manifests/")) res.writeHead(200, { "content-type": MediaTypes.ociManifest }).end(manifest);
        else res.writeHead(200).end(req.url?.includes(sha256(config)) ? config : layer);
      });
      const err = (await pull(store, `${server.host}/z/img:1`, { retries: 0, credentials: async () => undefined }).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toContain(`layer ${sha256(layer)} has media type ${mediaType}`);
      expect(err.message).toMatch(/Node\.js 20's zlib has no zstd decoder.*gzip/);
      expect(server.requests.filter((r) => r.url.includes("/blobs/"))).toEqual([]);
      expect(store.meta.listImages()).toEqual([]);
    });
  }

  it("fails to unpack zstd bytes stored under a gzip media type, naming the layer", async () => {
    await store.blobs.write(config);
    await store.blobs.write(layer);
    const digest = await addImage(store, manifestWith(MediaTypes.ociLayerGzip), ["z:1"]);
    await expect(unpackImage(store, digest, join(dir, "rootfs"))).rejects.toThrow(new RegExp(`layer ${sha256(layer)} \\(media type ${MediaTypes.ociLayerGzip.replace(/[.+]/g, "\\$&")}\\) of image ${digest} is zstd-compressed`));
  });
});
