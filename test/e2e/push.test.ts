// `--push`: a built image goes to a loopback registry and comes back by digest unchanged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, parseOutput } from "../../src/api/index.js";
import { readImage, resolveImage } from "../../src/image/images.js";
import { pull } from "../../src/registry/pull.js";
import { openStore } from "../../src/store/store.js";
import { registryMissing, startRegistry, type TestRegistry } from "../helpers/registry.js";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing() ?? registryMissing();
requirePrerequisites("push tests", missing);

const noCreds = async () => undefined;

describe("--output for registries", () => {
  it("parses type=registry and image names", () => {
    expect(parseOutput("type=registry,name=r/a:1")).toEqual({ type: "image", names: ["r/a:1"], push: true });
    expect(parseOutput('type=image,"name=r/a:1,r/a:2",push=true')).toEqual({ type: "image", names: ["r/a:1", "r/a:2"], push: true });
  });
});

describe.skipIf(missing !== undefined)("build --push (loopback registry)", () => {
  let env: Env;
  let reg: TestRegistry;
  beforeAll(async () => {
    env = await makeEnv();
    reg = await startRegistry();
  });
  afterAll(async () => {
    await reg?.stop();
    env?.cleanup();
  });

  it("pushes every name, and a pull by digest into another store gives the same image", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nRUN echo pushed > /p\n" });
    const name = `${reg.host}/e2e/app:1`;
    const r = await build({ context: ctx, root: env.root, runtime: "runc", output: parseOutput(`type=registry,name=${name}`), registry: { credentials: noCreds } });
    expect(r.pushed.map((p) => p.digest)).toEqual([r.manifestDigest]);
    const other = openStore(`${env.dir}/other-store`);
    try {
      const pulled = await pull(other, `${reg.host}/e2e/app@${r.manifestDigest}`, { credentials: noCreds });
      expect(pulled.digest).toBe(r.manifestDigest);
      const img = await readImage(other, resolveImage(other, r.manifestDigest));
      expect(img.manifest.config.digest).toBe(r.configDigest);
      expect(img.manifest.layers.map((l) => l.digest)).toEqual(r.layers.map((l) => l.digest));
    } finally {
      other.close();
    }
  });

  it("refuses --push without a name before building", async () => {
    await expect(build({ context: env.context({ Dockerfile: "FROM busybox\n" }), root: env.root, runtime: "runc", push: true })).rejects.toThrow(/--push needs an image name/);
  });
});
