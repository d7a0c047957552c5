// Container state in the store: validation on read, unique names, id lookup, signal requests.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { normalizeSignal, takeRequests } from "../../src/runtime/container/control.js";
import { containerPaths, createContainerDir, findContainer, listIds, readState, removeContainerDir, supervisorAlive, updateState, type ContainerState } from "../../src/runtime/container/state.js";
import { lastLines } from "../../src/api/container-logs.js";
import { splitRunArgv } from "../../src/cli/commands/run.js";
import { statusText } from "../../src/cli/commands/ps.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function root(): string {
  const d = mkdtempSync(join(tmpdir(), "tsbuild-cstate-"));
  dirs.push(d);
  return join(d, "containers");
}

function draft(name: string): Omit<ContainerState, "id"> {
  return {
    name,
    image: "busybox",
    imageDigest: `sha256:${"a".repeat(64)}`,
    config: {},
    argv: ["sh"],
    run: { env: ["PATH=/bin"], cwd: "/", user: "", hostname: "h", mounts: [], network: "host", limits: {}, readOnly: false, runtime: "auto" },
    created: new Date(0).toISOString(),
    status: "created",
    autoRemove: false,
  };
}

describe("container state", () => {
  it("creates, reads back, updates and removes a container", async () => {
    const r = root();
    const s = await createContainerDir(r, draft("web"));
    expect(s.id).toMatch(/^[0-9a-f]{64}$/);
    expect(await readState(r, s.id)).toEqual(s);
    const next = await updateState(r, s.id, () => ({ status: "exited", exitCode: 3 }));
    expect((await readState(r, s.id)).exitCode).toBe(3);
    expect(await listIds(r)).toEqual([s.id]);
    await removeContainerDir(r, next);
    expect(await listIds(r)).toEqual([]);
    await expect(readState(r, s.id)).rejects.toThrow(/no such container/);
    await createContainerDir(r, draft("web"));
  });

  it("keeps names unique and rejects bad names", async () => {
    const r = root();
    await createContainerDir(r, draft("web"));
    await expect(createContainerDir(r, draft("web"))).rejects.toThrow('the container name "web" is already in use');
    await expect(createContainerDir(r, draft("-bad"))).rejects.toThrow(/invalid container name/);
    await expect(createContainerDir(r, draft("a/b"))).rejects.toThrow(/invalid container name/);
  });

  it("finds containers by name, full id and unique prefix", async () => {
    const r = root();
    const a = await createContainerDir(r, draft("a"));
    const b = await createContainerDir(r, draft("b"));
    expect(await findContainer(r, "a")).toBe(a.id);
    expect(await findContainer(r, b.id)).toBe(b.id);
    expect(await findContainer(r, b.id.slice(0, 12))).toBe(b.id);
    await expect(findContainer(r, "zzz")).rejects.toThrow("no such container: zzz");
    await expect(findContainer(r, "")).rejects.toThrow(/no such container/);
  });

  it("rejects a state.json that does not validate, naming the file", async () => {
    const r = root();
    const s = await createContainerDir(r, draft("x"));
    writeFileSync(containerPaths(r, s.id).state, JSON.stringify({ ...s, status: "paused" }));
    await expect(readState(r, s.id)).rejects.toThrow(`${containerPaths(r, s.id).state} is not a valid container state`);
    writeFileSync(containerPaths(r, s.id).state, "{");
    await expect(readState(r, s.id)).rejects.toThrow(`${containerPaths(r, s.id).state} is not valid JSON`);
  });

  it("sees a supervisor as alive only with the same pid and start time", async () => {
    const base = { ...draft("p"), id: "0".repeat(64) };
    expect(await supervisorAlive(base)).toBe(false);
    expect(await supervisorAlive({ ...base, pid: process.pid, pidStart: "1" })).toBe(false);
  });
});

describe("signal requests", () => {
  it("normalizes names and numbers", () => {
    expect(normalizeSignal("term")).toBe("SIGTERM");
    expect(normalizeSignal("SIGKILL")).toBe("SIGKILL");
    expect(normalizeSignal("1")).toBe("SIGHUP");
    expect(() => normalizeSignal("NOPE")).toThrow(/unknown signal "NOPE"/);
  });

  it("reads pending requests oldest first and deletes them", async () => {
    const d = root();
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "2-b"), "SIGKILL");
    writeFileSync(join(d, "1-a"), "SIGTERM");
    writeFileSync(join(d, ".3-c"), "SIGHUP");
    expect(await takeRequests(d)).toEqual(["SIGTERM", "SIGKILL"]);
    expect(await takeRequests(d)).toEqual([]);
  });
});

describe("lifecycle CLI helpers", () => {
  it("keeps the last lines of a log", () => {
    expect(lastLines(Buffer.from("a\nb\nc\n"), 2).toString()).toBe("b\nc\n");
    expect(lastLines(Buffer.from("a\nb\nc"), 1).toString()).toBe("c");
    expect(lastLines(Buffer.from("a\n"), 5).toString()).toBe("a\n");
    expect(lastLines(Buffer.from("a\n"), 0).toString()).toBe("");
  });

  it("splits the container command off create and exec", () => {
    expect(splitRunArgv(["node", "t", "exec", "-i", "web", "ls", "-l"])).toEqual(["node", "t", "exec", "-i", "web", "--", "ls", "-l"]);
    expect(splitRunArgv(["node", "t", "create", "--name", "x", "busybox", "sh", "-c", "true"])).toEqual(["node", "t", "create", "--name", "x", "busybox", "--", "sh", "-c", "true"]);
  });

  it("formats ps status like Docker", () => {
    const row = { id: "x", name: "n", image: "i", command: "c", created: new Date(0).toISOString() };
    expect(statusText({ ...row, status: "created" })).toBe("Created");
    expect(statusText({ ...row, status: "exited", exitCode: 137, finished: new Date(0).toISOString() }, 30_000)).toBe("Exited (137) 30 seconds ago");
    expect(statusText({ ...row, status: "running", started: new Date(0).toISOString() }, 3 * 3600_000)).toBe("Up 3 hours");
  });
});
