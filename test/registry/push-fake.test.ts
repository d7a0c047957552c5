// Push protocol details against a fake registry in node: a mount the registry declines (202) falls
// back to that upload session; relative Locations with their own query keep it, digest added;
// the manifest goes last with its media type as Content-Type; credentials stay on the registry.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/digest.js";
import { addImage } from "../../src/image/images.js";
import { descriptorOf, encodeJson, MediaTypes } from "../../src/image/oci.js";
import { hostPlatform } from "../../src/image/platform.js";
import { push } from "../../src/registry/push.js";
import { openStore } from "../../src/store/store.js";
import { startFake, type FakeServer } from "../helpers/fake-registry.js";

const layer = Buffer.from("layer bytes ".repeat(100));
const config = encodeJson({ ...hostPlatform(), rootfs: { type: "layers", diff_ids: [sha256(Buffer.from("x"))] }, config: {} });
const manifest = encodeJson({ schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config: descriptorOf(MediaTypes.dockerConfig, config), layers: [descriptorOf(MediaTypes.dockerLayerGzip, layer)] });

describe("push protocol (fake registry)", () => {
  const servers: FakeServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it("falls back from a declined mount to its upload session and PUTs the manifest last", async () => {
    const received = new Map<string, string>();
    let sessions = 0;
    const s = await startFake((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (req.method === "HEAD") return void res.writeHead(404).end();
      if (req.method === "POST" && url.pathname === "/v2/a/b/blobs/uploads/") return void res.writeHead(202, { location: `/upload/${++sessions}?_state=s${sessions}`, "content-length": "0" }).end();
      if (req.method === "PUT" && url.pathname.startsWith("/upload/")) {
        const hash = createHash("sha256");
        req.on("data", (c: Buffer) => hash.update(c));
        req.on("end", () => {
          const ok = url.searchParams.get("_state") === `s${url.pathname.slice(8)}` && `sha256:${hash.digest("hex")}` === url.searchParams.get("digest");
          if (ok) received.set(url.searchParams.get("digest") ?? "", req.headers["content-type"] ?? "");
          res.writeHead(ok ? 201 : 400).end();
        });
        return;
      }
      if (req.method === "PUT" && url.pathname === "/v2/a/b/manifests/1") {
        req.resume();
        received.set("manifest", req.headers["content-type"] ?? "");
        return void res.writeHead(201, { "docker-content-digest": sha256(manifest) }).end();
      }
      res.writeHead(500).end();
    });
    servers.push(s);
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-pushfake-"));
    const store = openStore(join(dir, "store"));
    try {
      await store.blobs.write(layer);
      await store.blobs.write(config);
      await addImage(store, manifest, [`${s.host}/a/b:1`, `${s.host}/other/repo:1`]);
      const res = await push(store, `${s.host}/a/b:1`, { credentials: async () => undefined, retries: 0 });
      expect(res.blobs.map((b) => b.state)).toEqual(["uploaded", "uploaded"]);
      const mounts = s.requests.filter((r) => r.url.includes("mount="));
      expect(mounts.length).toBe(2);
      expect(mounts[0]?.url).toContain("from=other%2Frepo");
      expect(sessions).toBe(2);
      expect(received.get(sha256(layer))).toBe("application/octet-stream");
      expect(received.get(sha256(config))).toBe("application/octet-stream");
      expect(received.get("manifest")).toBe(MediaTypes.dockerManifest);
      expect(s.requests[s.requests.length - 1]?.url).toBe("/v2/a/b/manifests/1");
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
