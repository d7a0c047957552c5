// Pull edge cases against a fake registry in node: corrupt and truncated blobs, redirects to another
// host (credentials must not follow), oversized and contradictory manifests, indexes with
// attestations, flaky 5xx answers and registry error codes. Nothing bad is ever committed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256, type Digest } from "../../src/core/digest.js";
import { encodeJson, MediaTypes } from "../../src/image/oci.js";
import { hostPlatform } from "../../src/image/platform.js";
import { pull } from "../../src/registry/pull.js";
import { fsck } from "../../src/store/fsck.js";
import { openStore, type Store } from "../../src/store/store.js";
import { startFake, type FakeServer } from "../helpers/fake-registry.js";

const layer = Buffer.from("not really a tar, but the pull does not unpack it ".repeat(50));
const config = encodeJson({ ...hostPlatform(), rootfs: { type: "layers", diff_ids: [sha256(Buffer.from("x"))] }, config: {} });
const manifest = encodeJson({
  schemaVersion: 2,
  mediaType: MediaTypes.ociManifest,
  config: { mediaType: MediaTypes.ociConfig, digest: sha256(config), size: config.length },
  layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: sha256(layer), size: layer.length }],
});
const fast = { retries: 2, backoffMs: 5, timeoutMs: 5000, credentials: async () => undefined };

const esc = (s: string) => s.replace(/[.+]/g, "\\$&");

type Route = (req: IncomingMessage, res: ServerResponse) => boolean;

/** registry serves manifest (by tag "1" and by digest) and blobs; `override` may answer first. */
function registry(override: Route = () => false, blobs: Map<string, Buffer> = new Map([[sha256(config), config], [sha256(layer), layer]])) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (override(req, res)) return;
    const url = (req.url ?? "").split("?")[0] ?? "";
    if (/\/manifests\/(1|sha256:[a-f0-9]+)$/.test(url) && (url.endsWith("/1") || url.endsWith(sha256(manifest)))) {
      res.writeHead(200, { "content-type": MediaTypes.ociManifest, "docker-content-digest": sha256(manifest) }).end(manifest);
      return;
    }
    const m = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url);
    const blob = m ? blobs.get(m[1] as string) : undefined;
    if (blob) {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(blob);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  };
}

describe("pull from a misbehaving registry", () => {
  let dir: string;
  let store: Store;
  const servers: FakeServer[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-hostile-"));
    store = openStore(join(dir, "store"));
  });
  afterEach(async () => {
    store.close();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });
  const serve = async (h: (req: IncomingMessage, res: ServerResponse) => void, address?: string) => {
    const s = await startFake(h, address);
    servers.push(s);
    return s;
  };
  const nothingCommitted = async () => {
    expect(await store.blobs.has(sha256(layer))).toBe(false);
    expect(store.meta.listImages()).toEqual([]);
    expect((await fsck(store)).problems).toEqual([]);
  };

  it("pulls a well-behaved image (control)", async () => {
    const s = await serve(registry());
    expect((await pull(store, `${s.host}/a/b:1`, fast)).digest).toBe(sha256(manifest));
    expect(s.requests[0]?.headers.accept).toBe(`${MediaTypes.ociIndex}, ${MediaTypes.ociManifest}, ${MediaTypes.dockerManifestList}, ${MediaTypes.dockerManifest}`);
  });

  it("refuses a blob with one flipped byte, naming the digest, and commits nothing", async () => {
    const bad = Buffer.from(layer);
    bad[100] = (bad[100] as number) ^ 1;
    const s = await serve(registry(undefined, new Map([[sha256(config), config], [sha256(layer), bad]])));
    await expect(pull(store, `${s.host}/a/b:1`, fast)).rejects.toThrow(new RegExp(`blob ${sha256(layer)} from ${s.host}/a/b is corrupt: .*content hashes to sha256:`));
    await nothingCommitted();
  });

  it("refuses a truncated blob and one with trailing bytes", async () => {
    for (const body of [layer.subarray(0, layer.length - 7), Buffer.concat([layer, Buffer.from("extra")])]) {
      const s = await serve(registry(undefined, new Map([[sha256(config), config], [sha256(layer), body]])));
      await expect(pull(store, `${s.host}/a/b:1`, fast)).rejects.toThrow(new RegExp(`blob ${sha256(layer)} .*expected ${layer.length} bytes`));
      await nothingCommitted();
    }
  });

  it("follows a blob redirect to another host without sending Authorization there", async () => {
    const cdn = await serve(registry(), "127.0.0.2");
    const s = await serve(registry((req, res) => {
      if (req.url?.startsWith("/token?")) {
        res.writeHead(200, { "content-type": "application/json" }).end('{"token":"t0k"}');
        return true;
      }
      if (req.headers.authorization !== "Bearer t0k") {
        res.writeHead(401, { "www-authenticate": `Bearer realm="http://${req.headers.host}/token",service="fake"` }).end();
        return true;
      }
      const m = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? "");
      if (m) {
        res.writeHead(307, { location: `http://${cdn.host}/signed/blobs/${m[1]}?sig=abc` }).end();
        return true;
      }
      return false;
    }));
    expect((await pull(store, `${s.host}/a/b:1`, fast)).digest).toBe(sha256(manifest));
    expect(cdn.requests.length).toBe(2);
    for (const r of cdn.requests) expect(r.headers.authorization).toBeUndefined();
    expect(s.requests.filter((r) => r.url.includes("/blobs/")).every((r) => r.headers.authorization === "Bearer t0k")).toBe(true);
  });

  it("gives up after 10 redirects", async () => {
    const s = await serve((req, res) => res.writeHead(302, { location: `${req.url ?? "/"}x` }).end());
    await expect(pull(store, `${s.host}/a/b:1`, fast)).rejects.toThrow(/more than 10 redirects/);
  });

  it("refuses a manifest over the 4 MiB cap", async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 32);
    const s = await serve(registry((_req, res) => (res.writeHead(200, { "content-type": MediaTypes.ociManifest }).end(big), true)));
    await expect(pull(store, `${s.host}/a/b:1`, fast)).rejects.toThrow(/over the 4194304-byte limit/);
    await nothingCommitted();
  });

  it("refuses a Content-Type that contradicts the manifest's mediaType", async () => {
    const s = await serve(registry((req, res) => (req.url?.includes("/manifests/") ? (res.writeHead(200, { "content-type": MediaTypes.dockerManifest }).end(manifest), true) : false)));
    await expect(pull(store, `${s.host}/a/b:1`, fast)).rejects.toThrow(new RegExp(`sent as ${esc(MediaTypes.dockerManifest)} but its mediaType is ${esc(MediaTypes.ociManifest)}`));
    await nothingCommitted();
  });

  it("refuses a manifest fetched by digest whose bytes have another digest", async () => {
    const other = sha256(Buffer.from("other"));
    const s = await serve(registry((req, res) => (req.url?.endsWith(other) ? (res.writeHead(200, { "content-type": MediaTypes.ociManifest }).end(manifest), true) : false)));
    await expect(pull(store, `${s.host}/a/b@${other}`, fast)).rejects.toThrow(new RegExp(`@${other} hashes to ${sha256(manifest)}`));
    await nothingCommitted();
  });

  it("chooses the host platform from an index and skips attestation manifests", async () => {
    const host = hostPlatform();
    const otherArch = host.architecture === "amd64" ? "arm64" : "amd64";
    const entry = { mediaType: MediaTypes.ociManifest, digest: sha256(manifest), size: manifest.length };
    const wrong = sha256(Buffer.from("wrong"));
    const index = encodeJson({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { ...entry, digest: wrong, platform: { os: "unknown", architecture: "unknown" }, annotations: { "vnd.docker.reference.type": "attestation-manifest" } },
        { ...entry, digest: wrong, platform: { os: "linux", architecture: otherArch } },
        { ...entry, platform: host },
      ],
    });
    const s = await serve(registry((req, res) => (req.url?.endsWith("/manifests/multi") ? (res.writeHead(200, { "content-type": MediaTypes.ociIndex }).end(index), true) : false)));
    const res = await pull(store, `${s.host}/a/b:multi`, fast);
    expect(res.digest).toBe(sha256(manifest));
    expect(res.indexDigest).toBe(sha256(index));
    expect(s.requests.some((r) => r.url.includes(wrong))).toBe(false);
  });

  it("retries 5xx answers with backoff, then succeeds", async () => {
    let failures = 2;
    const s = await serve(registry((_req, res) => (failures-- > 0 ? (res.writeHead(503).end(), true) : false)));
    expect((await pull(store, `${s.host}/a/b:1`, fast)).digest).toBe(sha256(manifest));
  });

  it("reports the registry, repository, status and error code, and what to do", async () => {
    const s = await serve(registry());
    await expect(pull(store, `${s.host}/a/b:nope`, fast)).rejects.toThrow(new RegExp(`cannot get manifest from ${s.host}/a/b: HTTP 404 MANIFEST_UNKNOWN: manifest unknown; check the name, tag and digest`));
  });

  it("says when a registry cannot be reached", async () => {
    const s = await serve(registry());
    const host = s.host;
    await s.stop();
    servers.length = 0;
    await expect(pull(store, `${host}/a/b:1`, fast)).rejects.toThrow(new RegExp(`cannot reach registry ${host} \\(.*ECONNREFUSED.*\\); check the host name`));
  });

  it("times out a registry that never answers, and one that stalls mid-blob", async () => {
    const silent = await serve(() => undefined);
    await expect(pull(store, `${silent.host}/a/b:1`, { ...fast, retries: 0, timeoutMs: 300 })).rejects.toThrow(/no answer within 300 ms/);
    const stall = await serve(registry((req, res) => {
      if (!req.url?.endsWith(sha256(layer))) return false;
      res.writeHead(200, { "content-length": String(layer.length) });
      res.write(layer.subarray(0, 10));
      return true;
    }));
    await expect(pull(store, `${stall.host}/a/b:1`, { ...fast, retries: 0, timeoutMs: 300 })).rejects.toThrow(new RegExp(`downloading blob ${sha256(layer)} from ${stall.host}/a/b failed: .*no data for 300 ms`));
    await nothingCommitted();
  });
});
