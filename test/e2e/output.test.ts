// Build outputs: OCI and Docker archives, an OCI layout dir (skopeo reads them), the final
// filesystem as a dir or a tar, and the metadata file.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, parseOutput } from "../../src/api/index.js";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

function skopeoMissing(): string | undefined {
  try {
    execFileSync("skopeo", ["--version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "skopeo is not installed (apt-get install skopeo)";
  }
}

const missing = e2eMissing() ?? skopeoMissing();
requirePrerequisites("build output tests", missing);

describe("--output parsing", () => {
  it("parses BuildKit's forms and refuses unknown ones clearly", () => {
    expect(parseOutput("type=oci,dest=out.tar")).toEqual({ type: "oci", dest: "out.tar" });
    expect(parseOutput("type=oci,dest=dir,tar=false")).toEqual({ type: "oci", dest: "dir", tar: false });
    expect(parseOutput("outdir")).toEqual({ type: "local", dest: "outdir" });
    expect(() => parseOutput("type=s3,dest=x")).toThrow(/type must be one of/);
    expect(() => parseOutput("type=local")).toThrow(/needs dest=PATH/);
    expect(() => parseOutput("type=tar,dest=x,color=red")).toThrow(/unknown key "color"/);
  });
});

describe.skipIf(missing !== undefined)("build outputs (end to end)", () => {
  let env: Env;
  let ctx: string;
  beforeAll(async () => {
    env = await makeEnv();
    ctx = env.context({ Dockerfile: 'FROM busybox\nCOPY hello.txt /hello.txt\nRUN ln -s hello.txt /link\nCMD ["cat", "/hello.txt"]\n', "hello.txt": "hello\n" });
  });
  afterAll(() => env?.cleanup());

  const go = (output: string, extra: { tags?: string[]; metadataFile?: string } = {}) => build({ context: ctx, root: env.root, runtime: "runc", output: parseOutput(output), ...extra });

  it("writes an OCI archive and an OCI layout dir that skopeo inspects, and the metadata file", async () => {
    const tarFile = join(env.dir, "out/image.tar");
    const meta = join(env.dir, "meta.json");
    const r = await go(`type=oci,dest=${tarFile}`, { tags: ["out/oci:1"], metadataFile: meta });
    const fromTar = JSON.parse(execFileSync("skopeo", ["inspect", `oci-archive:${tarFile}`], { encoding: "utf8" }));
    expect(fromTar.Digest).toBe(r.manifestDigest);
    expect(fromTar.Layers).toHaveLength(r.layers.length);
    const dir = join(env.dir, "out/layout");
    const r2 = await go(`type=oci,dest=${dir},tar=false`, { tags: ["out/oci:1"] });
    const fromDir = JSON.parse(execFileSync("skopeo", ["inspect", `oci:${dir}`], { encoding: "utf8" }));
    expect(fromDir.Digest).toBe(r2.manifestDigest); // a new `created` without SOURCE_DATE_EPOCH, so maybe a new digest
    const config = JSON.parse(execFileSync("skopeo", ["inspect", "--config", `oci:${dir}`], { encoding: "utf8" }));
    expect(config.config.Cmd).toEqual(["cat", "/hello.txt"]);
    const m = JSON.parse(readFileSync(meta, "utf8"));
    expect(m["containerimage.digest"]).toBe(r.manifestDigest);
    expect(m["containerimage.config.digest"]).toBe(r.configDigest);
    expect(m["containerimage.descriptor"]).toMatchObject({ digest: r.manifestDigest, size: r.manifestSize });
    expect(m["image.name"]).toBe("out/oci:1");
  });

  it("writes a docker archive with manifest.json naming the tag", async () => {
    const file = join(env.dir, "docker.tar");
    await go(`type=docker,dest=${file}`, { tags: ["out/docker:1"] });
    const manifest = JSON.parse(execFileSync("tar", ["-xOf", file, "manifest.json"], { encoding: "utf8" }));
    expect(manifest[0].RepoTags).toEqual(["out/docker:1"]);
    const fromArchive = JSON.parse(execFileSync("skopeo", ["inspect", `docker-archive:${file}`], { encoding: "utf8" }));
    expect(fromArchive.Layers.length).toBeGreaterThan(0);
  });

  it("writes the final filesystem as a directory and as a tar", async () => {
    const dir = join(env.dir, "rootfs");
    await go(`type=local,dest=${dir}`);
    expect(readFileSync(join(dir, "hello.txt"), "utf8")).toBe("hello\n");
    expect(readlinkSync(join(dir, "link"))).toBe("hello.txt");
    expect(existsSync(join(dir, "bin/busybox"))).toBe(true);
    const tarFile = join(env.dir, "rootfs.tar");
    await go(`type=tar,dest=${tarFile}`);
    const names = execFileSync("tar", ["-tf", tarFile], { encoding: "utf8" }).split("\n");
    expect(names).toContain("hello.txt");
    expect(names).toContain("bin/busybox");
    expect(execFileSync("tar", ["-xOf", tarFile, "hello.txt"], { encoding: "utf8" })).toBe("hello\n");
  });
});
