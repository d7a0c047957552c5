// Crash safety of `tsbuild pull`: killed with SIGKILL while the manifest is being fetched and while
// a layer is streaming, the store stays consistent (fsck passes, removing only the temp file) and a
// retried pull completes.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/digest.js";
import { encodeJson, MediaTypes } from "../../src/image/oci.js";
import { hostPlatform } from "../../src/image/platform.js";
import { pull } from "../../src/registry/pull.js";
import { fsck } from "../../src/store/fsck.js";
import { openStore } from "../../src/store/store.js";
import { startFake } from "../helpers/fake-registry.js";

const ROOT = resolve(import.meta.dirname, "../..");
const layer = Buffer.alloc(256 * 1024, 7);
const config = encodeJson({ ...hostPlatform(), rootfs: { type: "layers", diff_ids: [sha256(Buffer.from("x"))] }, config: {} });
const manifest = encodeJson({
  schemaVersion: 2,
  mediaType: MediaTypes.ociManifest,
  config: { mediaType: MediaTypes.ociConfig, digest: sha256(config), size: config.length },
  layers: [{ mediaType: MediaTypes.ociLayer, digest: sha256(layer), size: layer.length }],
});

describe("tsbuild pull crash safety", () => {
  it.each(["manifest", "layer"] as const)("survives SIGKILL while the %s is in flight", async (point) => {
    let stall = true;
    let reached: () => void = () => undefined;
    const atPoint = new Promise<void>((r) => (reached = r));
    const s = await startFake((req, res) => {
      const url = req.url ?? "";
      const body = url.includes("/manifests/") ? manifest : url.endsWith(sha256(config)) ? config : url.endsWith(sha256(layer)) ? layer : undefined;
      if (!body) return void res.writeHead(404).end();
      const here = point === "manifest" ? url.includes("/manifests/") : url.endsWith(sha256(layer));
      res.writeHead(200, { "content-type": url.includes("/manifests/") ? MediaTypes.ociManifest : "application/octet-stream", "content-length": String(body.length) });
      if (stall && here) {
        res.write(body.subarray(0, Math.floor(body.length / 2)));
        setTimeout(reached, 300); // let the half-written bytes reach the store's temp file
        return;
      }
      res.end(body);
    });
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-pullcrash-"));
    const root = join(dir, "store");
    try {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "--root", root, "pull", `${s.host}/a/b:1`], { cwd: ROOT, stdio: "ignore" });
      await atPoint;
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      stall = false;
      const store = openStore(root);
      try {
        expect(store.meta.listImages()).toEqual([]);
        expect(await store.blobs.has(sha256(layer))).toBe(false);
        const report = await fsck(store);
        expect(report.ok).toBe(true);
        expect(report.problems.every((p) => p.kind === "stray-temp" && p.fixed)).toBe(true);
        if (point === "layer") expect(report.problems.map((p) => p.kind)).toContain("stray-temp");
        const res = await pull(store, `${s.host}/a/b:1`, { credentials: async () => undefined });
        expect(res.digest).toBe(sha256(manifest));
        expect((await fsck(store)).problems).toEqual([]);
      } finally {
        store.close();
      }
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
