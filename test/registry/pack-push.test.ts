// packPush against a real registry (Debian's docker-registry on 127.0.0.1): directories packed
// and pushed in one pipeline give the image pack() + push() give, each blob uploaded once, a layer's
// upload under way while later layers are still being packed; a packing failure is reported as
// such after the uploads already started have stopped.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packPush } from "../../src/api/registry.js";
import { readImage, resolveImage } from "../../src/image/images.js";
import { packDirectories } from "../../src/image/pack.js";
import { pull } from "../../src/registry/pull.js";
import { BlobPusher } from "../../src/registry/push.js";
import { fsck } from "../../src/store/fsck.js";
import { openStore } from "../../src/store/store.js";
import { registryMissing, startRegistry, type TestRegistry } from "../helpers/registry.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = registryMissing();
requirePrerequisites("registry tests", missing);
const noCreds = async () => undefined;

/** words is `bytes` of compressible text (deflate must work at it), the same on every run. */
function words(bytes: number, seed: number): Buffer {
  const vocabulary = Array.from({ length: 500 }, (_, i) => `w${((i * 2654435761) >>> 0).toString(36)} `);
  const parts: string[] = [];
  let n = 0;
  for (let x = seed; n < bytes; x = (x * 1103515245 + 12345) >>> 0) {
    const w = vocabulary[x % vocabulary.length] as string;
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join("")).subarray(0, bytes);
}

describe.skipIf(missing !== undefined)("packPush (docker-registry)", () => {
  let reg: TestRegistry;
  let dir: string;
  let dirs: string[];

  beforeAll(async () => {
    reg = await startRegistry();
    dir = mkdtempSync(join(tmpdir(), "tsbuild-packpush-"));
    dirs = [0, 1, 2].map((i) => join(dir, `layer${i}`));
    dirs.forEach((d, i) => {
      mkdirSync(join(d, "etc"), { recursive: true });
      writeFileSync(join(d, "etc", `file${i}`), words(1000 + i, i + 1));
    });
    // The last layer is large enough that packing it takes far longer than uploading a small one.
    writeFileSync(join(dirs[2] as string, "big.txt"), words(40 << 20, 99));
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("packs and pushes in one pipeline; a pull gets the same image back", async () => {
    const root = join(dir, "store-a");
    const ref = `${reg.host}/pp/img:1`;
    process.env.SOURCE_DATE_EPOCH = "0";
    const res = await packPush(dirs, ref, { root, credentials: noCreds }).finally(() => delete process.env.SOURCE_DATE_EPOCH);
    expect(res.push.digest).toBe(res.digest);
    expect(res.push.blobs.map((b) => b.state)).toEqual(["uploaded", "uploaded", "uploaded", "uploaded"]);
    const puts = reg.log().match(/"PUT \/v2\/pp\/img\/blobs\/uploads\/[^"]*digest=sha256%3A[0-9a-f]{64}[^"]*" 201/g) ?? [];
    expect(puts.length).toBe(4);
    const store = openStore(join(dir, "store-b"));
    try {
      const pulled = await pull(store, ref, { credentials: noCreds });
      expect(pulled.digest).toBe(res.digest);
      const img = await readImage(store, resolveImage(store, ref));
      expect(img.config.rootfs.diff_ids).toEqual(res.diffIds);
      expect((await fsck(store)).problems).toEqual([]);
    } finally {
      store.close();
    }
  }, 60_000);

  it("uploads a committed layer while a later layer is still being packed", async () => {
    const store = openStore(join(dir, "store-c"));
    const events: string[] = [];
    try {
      const ref = `${reg.host}/pp/overlap:1`;
      const pusher = new BlobPusher(store, ref, { credentials: noCreds, onBlob: (d, state) => events.push(`${state} ${d.digest}`) });
      const packed = await packDirectories(store, dirs, [ref], { concurrency: 1, onLayer: (d, i) => (events.push(`layer ${i} ${d.digest}`), void pusher.upload(d)) });
      await pusher.finish(packed.digest);
      const img = await readImage(store, packed.digest);
      const first = img.manifest.layers[0]?.digest as string;
      expect(events.indexOf(`uploaded ${first}`)).toBeGreaterThan(events.indexOf(`layer 0 ${first}`));
      expect(events.indexOf(`uploaded ${first}`)).toBeLessThan(events.findIndex((e) => e.startsWith("layer 2 ")));
    } finally {
      store.close();
    }
  }, 60_000);

  it("refuses a damaged stored blob: the registry finds the digest wrong, the error says to run fsck", async () => {
    const root = join(dir, "store-e");
    const ref = `${reg.host}/pp/damaged:1`;
    const { pack } = await import("../../src/api/images.js");
    const { push } = await import("../../src/api/registry.js");
    const packed = await pack([dirs[0] as string], ref, { root });
    const store = openStore(root);
    let layer: string;
    try {
      layer = (await readImage(store, packed.digest)).manifest.layers[0]?.digest as string;
      const file = store.blobs.path(layer as never);
      const bytes = readFileSync(file);
      bytes[bytes.length - 9] = (bytes[bytes.length - 9] as number) ^ 0xff;
      chmodSync(file, 0o644);
      writeFileSync(file, bytes);
    } finally {
      store.close();
    }
    await expect(push(ref, { root, credentials: noCreds })).rejects.toThrow(new RegExp(`cannot upload blob to ${reg.host}/pp/damaged \\(${layer}\\): HTTP 400 DIGEST_INVALID.*tsbuild fsck`));
    const file = openStore(root);
    try {
      truncateSync(file.blobs.path(layer as never), 10);
    } finally {
      file.close();
    }
    await expect(push(ref, { root, credentials: noCreds })).rejects.toThrow(new RegExp(`stored blob ${layer} is 10 bytes, but the image's manifest says \\d+; run \`tsbuild fsck\``));
  }, 60_000);

  it("reports a packing failure after the uploads it started have stopped", async () => {
    const root = join(dir, "store-d");
    const gone = join(dir, "no-such-dir");
    await expect(packPush([dirs[0] as string, gone], `${reg.host}/pp/fail:1`, { root, credentials: noCreds, concurrency: 1 })).rejects.toThrow(/no-such-dir/);
    const store = openStore(root);
    try {
      expect(() => resolveImage(store, `${reg.host}/pp/fail:1`)).toThrow(/no such image/);
    } finally {
      store.close();
    }
  }, 60_000);
});
