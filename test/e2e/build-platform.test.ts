// `--platform` (CLI) and `platform` (API): the host platform in any spelling sets the TARGET* args;
// any other platform, from the flag or from FROM --platform, is a clear error.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");
const missing = e2eMissing() ?? (existsSync(CLI) ? undefined : `${CLI} is missing (run npm run build)`);
requirePrerequisites("--platform end-to-end tests", missing);

const ARGS_FILE = "FROM busybox\nARG TARGETPLATFORM TARGETOS TARGETARCH\nRUN echo $TARGETPLATFORM $TARGETOS $TARGETARCH > /target\n";

describe.skipIf(missing !== undefined)("build --platform", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: env.root, CI: "true" } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("accepts the host platform in containerd's spellings and sets TARGETPLATFORM/TARGETOS/TARGETARCH", async () => {
    for (const [i, platform] of ["linux/amd64", "amd64", "linux/x86_64"].entries()) {
      await env.build({ Dockerfile: ARGS_FILE }, { platform, tags: [`plat:${i}`] });
      expect((await unpack(env, `plat:${i}`)).read("target")).toBe("linux/amd64 linux amd64\n");
    }
  }, 60_000);

  it("rejects another platform before building anything", async () => {
    await expect(env.build({ Dockerfile: ARGS_FILE }, { platform: "linux/arm64" })).rejects.toThrow(
      "--platform linux/arm64: building for linux/arm64 is not supported: tsbuild builds only for the host platform linux/amd64 (no emulation)",
    );
  });

  it("the CLI takes --platform, and reports FROM --platform of another platform at its line and column", () => {
    const ok = cli(["build", "--runtime", "runc", "--platform", "amd64", "-t", "plat:cli", env.context({ Dockerfile: ARGS_FILE })]);
    expect(ok.code, ok.stderr).toBe(0);
    const flag = cli(["build", "--platform", "linux/arm/v7", env.context({ Dockerfile: ARGS_FILE })]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain("building for linux/arm/v7 is not supported: tsbuild builds only for the host platform linux/amd64");
    const from = cli(["build", env.context({ Dockerfile: "FROM busybox\nFROM --platform=linux/arm64 busybox\nRUN true\n" })]);
    expect(from.code).toBe(1);
    expect(from.stderr).toContain("Dockerfile:2:6: error: FROM --platform=linux/arm64: building for linux/arm64 is not supported");
    expect(from.stderr).toContain("2 | FROM --platform=linux/arm64 busybox");
  }, 60_000);
});
