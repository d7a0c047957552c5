// RUN --mount=type=ssh with --ssh (CLI) / ssh (API): a real ssh-agent, started and stopped by PID,
// is reached from inside the step by the real ssh-add (copied with its libraries into a busybox
// image), through the relay socket at the mount's target; nothing of it stays in the image.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importRootfs } from "../../src/image/import.js";
import { openStore } from "../../src/store/store.js";
import { makeBusyboxRootfs } from "../helpers/rootfs.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");

function sshMissing(): string | undefined {
  for (const tool of ["ssh-agent", "ssh-add", "ssh-keygen"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt-get install openssh-client)`;
  }
  return existsSync(CLI) ? undefined : `${CLI} is missing (run npm run build)`;
}

const missing = e2eMissing() ?? sshMissing();
requirePrerequisites("RUN --mount=type=ssh end-to-end tests", missing);

/** Agent is one ssh-agent run in the foreground (-D) so that its PID is the child's. */
interface Agent {
  readonly socket: string;
  readonly child: ChildProcess;
}

async function startAgent(dir: string, name: string): Promise<Agent> {
  const socket = join(dir, `${name}.sock`);
  const child = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
  if (!existsSync(socket)) throw new Error(`ssh-agent did not create ${socket}`);
  const key = join(dir, `${name}-key`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `tsbuild-test-${name}`, "-f", key]);
  execFileSync("ssh-add", ["-q", key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: "ignore" });
  return { socket, child };
}

async function stopAgent(agent: Agent | undefined): Promise<void> {
  if (!agent || agent.child.exitCode !== null) return;
  const exited = new Promise((r) => agent.child.once("exit", r));
  agent.child.kill("SIGTERM");
  await exited;
}

/** importSshbox stores `sshbox:latest`: busybox plus the host's ssh-add and the libraries it links. */
async function importSshbox(env: Env): Promise<void> {
  const fs = makeBusyboxRootfs();
  try {
    const bin = execFileSync("sh", ["-c", "command -v ssh-add"], { encoding: "utf8" }).trim();
    const libs = execFileSync("ldd", [bin], { encoding: "utf8" }).match(/\/\S+/g) ?? [];
    for (const file of [bin, ...libs]) {
      mkdirSync(join(fs.rootfs, dirname(file)), { recursive: true });
      copyFileSync(file, join(fs.rootfs, file));
    }
    execFileSync("chmod", ["755", join(fs.rootfs, bin)]);
    const tar = join(env.dir, "sshbox.tar");
    execFileSync("tar", ["-C", fs.rootfs, "-cf", tar, "."]);
    const store = openStore(env.root);
    try {
      await importRootfs(store, tar, ["sshbox:latest"], { sourceDateEpoch: 0 });
    } finally {
      store.close();
    }
  } finally {
    fs.cleanup();
  }
}

describe.skipIf(missing !== undefined)("RUN --mount=type=ssh", () => {
  let env: Env;
  let agent: Agent;
  let other: Agent;
  beforeAll(async () => {
    env = await makeEnv();
    await importSshbox(env);
    agent = await startAgent(env.dir, "one");
    other = await startAgent(env.dir, "two");
  }, 60_000);
  afterAll(async () => {
    await stopAgent(agent);
    await stopAgent(other);
    env?.cleanup();
  });

  const cli = (args: string[], extraEnv: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: env.root, CI: "true", ...extraEnv } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  const DEFAULT_MOUNT = [
    "FROM sshbox",
    "RUN --mount=type=ssh set -e; ssh-add -l > /keys; echo $SSH_AUTH_SOCK > /sockenv; stat -c '%a %u %g %F' /run/buildkit/ssh_agent.0 > /sockinfo",
    "",
  ].join("\n");

  it("relays the agent to the default target with SSH_AUTH_SOCK set; nothing stays in the image", async () => {
    await env.build({ Dockerfile: DEFAULT_MOUNT }, { tags: ["ssh:1"], ssh: { default: agent.socket } });
    const img = await unpack(env, "ssh:1");
    expect(img.read("keys")).toContain("tsbuild-test-one (ED25519)");
    expect(img.read("sockenv")).toBe("/run/buildkit/ssh_agent.0\n");
    expect(img.read("sockinfo")).toBe("600 0 0 socket\n");
    expect(existsSync(join(img.rootfs, "run/buildkit"))).toBe(false);
    expect(existsSync(join(img.rootfs, "run"))).toBe(false);
    expect(JSON.stringify(img.config)).not.toContain(env.dir);
  }, 60_000);

  it("keeps the agent out of the cache key: another agent socket reuses the cached step", async () => {
    const r = await env.build({ Dockerfile: DEFAULT_MOUNT }, { tags: ["ssh:2"], ssh: { default: other.socket } });
    expect(r.executed).toBe(0);
    expect(r.cached).toBeGreaterThan(0);
  }, 60_000);

  it("honors id, target, mode, uid and gid, so a non-root USER can use the agent", async () => {
    const df = [
      "FROM sshbox",
      "USER app",
      "RUN --mount=type=ssh,id=work,target=/tmp/agent.sock,mode=0660,uid=1000,gid=50 set -e; ssh-add -l > /tmp/keys; echo $SSH_AUTH_SOCK > /tmp/sockenv; stat -c '%a %u %g' /tmp/agent.sock > /tmp/sockinfo",
      "",
    ].join("\n");
    await env.build({ Dockerfile: df }, { tags: ["ssh:3"], ssh: { work: other.socket } });
    const img = await unpack(env, "ssh:3");
    expect(img.read("tmp/keys")).toContain("tsbuild-test-two (ED25519)");
    expect(img.read("tmp/sockenv")).toBe("/tmp/agent.sock\n");
    expect(img.read("tmp/sockinfo")).toBe("660 1000 50\n");
    expect(existsSync(join(img.rootfs, "tmp/agent.sock"))).toBe(false);
  }, 60_000);

  it("skips a mount whose id was not given, unless it is required", async () => {
    await env.build({ Dockerfile: "FROM busybox\nRUN --mount=type=ssh test ! -e /run/buildkit/ssh_agent.0 && echo $SSH_AUTH_SOCK > /env\n" }, { tags: ["ssh:4"] });
    expect((await unpack(env, "ssh:4")).read("env")).toBe("/run/buildkit/ssh_agent.0\n");
    await expect(env.build({ Dockerfile: "FROM busybox\nRUN --mount=type=ssh,id=deploy,required=true true\n" }, { ssh: { default: agent.socket } })).rejects.toThrow(
      'ssh agent "deploy" is required by RUN --mount=type=ssh but was not given (use --ssh deploy=SOCKET)',
    );
  }, 60_000);

  it("the CLI takes --ssh default from SSH_AUTH_SOCK or ID=SOCKET, and names the line of a required mount it lacks", () => {
    const byEnv = cli(["build", "--runtime", "runc", "--ssh", "default", "--no-cache", "-t", "ssh:cli", env.context({ Dockerfile: DEFAULT_MOUNT })], { SSH_AUTH_SOCK: agent.socket });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    const byPath = cli(["build", "--runtime", "runc", "--ssh", `default=${other.socket}`, "--no-cache", env.context({ Dockerfile: DEFAULT_MOUNT })]);
    expect(byPath.code, byPath.stderr).toBe(0);
    const lacking = cli(["build", "--runtime", "runc", env.context({ Dockerfile: "FROM busybox\nRUN --mount=type=ssh,required=true true\n" })]);
    expect(lacking.code).toBe(1);
    expect(lacking.stderr).toContain('ssh agent "default" is required by RUN --mount=type=ssh but was not given');
    expect(lacking.stderr).toContain("2 | RUN --mount=type=ssh,required=true true");
    const noSock = cli(["build", "--ssh", "default", env.context({ Dockerfile: DEFAULT_MOUNT })], { SSH_AUTH_SOCK: "" });
    expect(noSock.code).toBe(1);
    expect(noSock.stderr).toContain("--ssh default: SSH_AUTH_SOCK is not set");
  }, 60_000);

  it("refuses a path that is not an agent socket before building", async () => {
    const keyFile = join(env.dir, "one-key");
    await expect(env.build({ Dockerfile: DEFAULT_MOUNT }, { ssh: { default: keyFile } })).rejects.toThrow(`--ssh default=${keyFile}: not a Unix socket`);
    await expect(env.build({ Dockerfile: DEFAULT_MOUNT }, { ssh: { default: join(env.dir, "nope.sock") } })).rejects.toThrow("no such socket");
  });
});
