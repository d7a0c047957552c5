// `--output type=docker` loads with `docker load`: a private dockerd (no bridge network, no
// iptables, vfs storage, its own data root and socket) is started by PID and stopped by PID.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, parseOutput } from "../../src/api/index.js";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const DOCKER = "/usr/bin/docker";

function dockerMissing(): string | undefined {
  return existsSync("/usr/sbin/dockerd") && existsSync(DOCKER) ? undefined : "dockerd is not installed (apt-get install docker.io)";
}

const missing = e2eMissing() ?? dockerMissing();
requirePrerequisites("docker load test", missing);

describe.skipIf(missing !== undefined)("--output type=docker with docker load", () => {
  let env: Env;
  let dir: string;
  let daemon: ChildProcess | undefined;
  let log = "";
  const sock = () => `unix://${join(dir, "docker.sock")}`;
  const docker = (...args: string[]) => execFileSync(DOCKER, ["-H", sock(), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

  beforeAll(async () => {
    env = await makeEnv();
    dir = mkdtempSync(join(tmpdir(), "tsbuild-dockerd-"));
    daemon = spawn("/usr/sbin/dockerd", ["--data-root", join(dir, "data"), "--exec-root", join(dir, "exec"), "--pidfile", join(dir, "docker.pid"), "-H", sock(), "--bridge=none", "--iptables=false", "--ip-forward=false", "--ip-masq=false", "--storage-driver=vfs"], { stdio: ["ignore", "pipe", "pipe"] });
    daemon.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    daemon.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        docker("version");
        break;
      } catch (err) {
        if (Date.now() > deadline || daemon.exitCode !== null) throw new Error(`dockerd did not come up:\n${log}`, { cause: err });
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }, 90_000);

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.once("exit", r));
      daemon.kill("SIGTERM");
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    env?.cleanup();
  }, 60_000);

  it("loads the archive under its tag with the built config", async () => {
    const ctx = env.context({ Dockerfile: 'FROM busybox\nRUN echo loaded > /l\nCMD ["cat", "/l"]\n' });
    const file = join(env.dir, "docker.tar");
    const r = await build({ context: ctx, root: env.root, runtime: "runc", tags: ["tsbuild-e2e/load:1"], output: parseOutput(`type=docker,dest=${file}`) });
    expect(docker("load", "-i", file)).toContain("tsbuild-e2e/load:1");
    const inspected = JSON.parse(docker("image", "inspect", "tsbuild-e2e/load:1"))[0];
    expect(inspected.Id).toBe(r.configDigest);
    expect(inspected.Config.Cmd).toEqual(["cat", "/l"]);
    expect(inspected.RootFS.Layers).toEqual(r.layers.map((l) => l.diffId));
  });
});
