// The isolation conformance suite every sandbox driver must pass. One test file per driver
// (conformance-<driver>.test.ts, conformance-cwd*.test.ts) runs it, so drivers run in parallel.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capabilityMask, DEFAULT_CAPABILITIES } from "../../src/runtime/capabilities.js";
import type { Driver } from "../../src/runtime/driver.js";
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from "../../src/runtime/spec-defaults.js";
import { makeBusyboxRootfs, type TestRootfs } from "../helpers/rootfs.js";
import { readCgroupMounts, removeCgroupTree } from "../../src/runtime/cgroups.js";
import { TEST_CGROUP_PARENT, makeDriver, missingPrerequisite, runIn, type Captured, type DriverName, type SandboxRun } from "../helpers/sandbox.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const ROOT_MASK = capabilityMask(DEFAULT_CAPABILITIES);

/**
 * processesIn lists live host pids whose cgroup path mentions `marker` (processes a run left
 * behind); zombies are skipped, they hold nothing and their parent reaps them.
 */
function processesIn(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const state = /\) (\S)/.exec(readFileSync(`/proc/${name}/stat`, "utf8"))?.[1];
      if (state !== "Z" && readFileSync(`/proc/${name}/cgroup`, "utf8").includes(marker)) out.push(Number(name));
    } catch {
      // The process exited while we looked: it is gone, which is what we check for.
    }
  }
  return out;
}

/** leftovers waits up to 5 s (the bar for "back to baseline") for processesIn(marker) to be empty. */
async function leftovers(marker: string): Promise<number[]> {
  const deadline = Date.now() + 5000;
  let found = processesIn(marker);
  while (found.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    found = processesIn(marker);
  }
  return found;
}

function statusField(status: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(\\S+)$`, "m").exec(status)?.[1];
}

/** Sandbox is what one driver's tests share: filled in by beforeAll. */
interface Sandbox {
  driver: Driver;
  fs: TestRootfs;
  work: string;
  sentinel: string;
  run(r: SandboxRun): Promise<Captured>;
}

/**
 * useSandbox registers setup and teardown of a busybox rootfs, a host sentinel directory and the
 * driver `name`. Without prerequisites it skips with a printed reason, except under CI=true,
 * where it fails (requirePrerequisites). Returns undefined when skipping.
 */
function useSandbox(name: DriverName): Sandbox | undefined {
  const missing = missingPrerequisite(name);
  requirePrerequisites(`${name} conformance`, missing);
  if (missing !== undefined) {
    it.skip(`needs: ${missing}`, () => undefined);
    return undefined;
  }
  const c = { run: (r: SandboxRun) => runIn(c.driver, c.fs.rootfs, c.work, r) } as Sandbox;
  beforeAll(async () => {
    c.fs = makeBusyboxRootfs();
    c.work = mkdtempSync(join(tmpdir(), `tsbuild-conf-${name}-`));
    c.sentinel = join(c.work, "host-sentinel");
    mkdirSync(c.sentinel);
    writeFileSync(join(c.sentinel, "secret"), "HOSTSECRET\n");
    c.driver = await makeDriver(name, join(c.work, "state"));
  });
  afterAll(async () => {
    c.fs?.cleanup();
    if (c.work) rmSync(c.work, { recursive: true, force: true });
    if (missing === undefined) await removeCgroupTree(await readCgroupMounts(), TEST_CGROUP_PARENT);
  });
  return c;
}

/** describeConformance registers the isolation suite for driver `name`. */
export function describeConformance(name: DriverName): void {
  describe(`sandbox conformance: ${name}`, () => {
    const c = useSandbox(name);
    if (c) isolationTests(name, c);
  });
}

/**
 * describeCwdEscape registers the CVE-2024-21626 check for driver `name`: 62 containers each,
 * so it has its own test file and runs beside the isolation suite.
 */
export function describeCwdEscape(name: DriverName): void {
  describe(`sandbox cwd escape: ${name}`, () => {
    const c = useSandbox(name);
    if (c) cwdEscapeTest(c);
  });
}

function cwdEscapeTest(c: Sandbox): void {
  it("never lets cwd /proc/self/fd/N reach the host (CVE-2024-21626)", async () => {
    const ns = Array.from({ length: 62 }, (_, i) => i + 3);
    const outcomes: string[] = [];
    for (let i = 0; i < ns.length; i += 8) {
      const batch = ns.slice(i, i + 8).map((n) => c.run({ script: "ls -a ..; cat ../../../../..${S}/secret", spec: { cwd: `/proc/self/fd/${n}`, env: ["PATH=/bin", `S=${c.sentinel}`] } }));
      for (const r of await Promise.all(batch)) outcomes.push(r.stdout);
    }
    for (const out of outcomes) {
      expect(out).not.toContain("HOSTSECRET");
      expect(out).not.toContain("host-sentinel");
    }
  });
}

function isolationTests(name: DriverName, c: Sandbox): void {
  it("gives root Docker's capabilities, no_new_privs and (oci) seccomp", async () => {
    const { stdout, result } = await c.run({ script: "cat /proc/self/status" });
    expect(result.exitCode).toBe(0);
    for (const f of ["CapBnd", "CapPrm", "CapEff"]) expect(statusField(stdout, f)).toBe(ROOT_MASK);
    for (const f of ["CapInh", "CapAmb"]) expect(statusField(stdout, f)).toBe("0000000000000000");
    expect(statusField(stdout, "NoNewPrivs")).toBe("1");
    if (name === "builtin") expect(c.driver.warnings.join("\n")).toMatch(/seccomp/);
    else expect(statusField(stdout, "Seccomp")).toBe("2");
  });

  it("leaves a non-root user only the bounding set", async () => {
    const { stdout } = await c.run({ script: "id -u; id -g; cat /proc/self/status", spec: { user: { uid: 1000, gid: 1000, additionalGids: [] } } });
    expect(stdout.split("\n").slice(0, 2)).toEqual(["1000", "1000"]);
    expect(statusField(stdout, "CapEff")).toBe("0000000000000000");
    expect(statusField(stdout, "CapBnd")).toBe(ROOT_MASK);
  });

  it("runs the command as pid 1 with host processes invisible, and its own hostname", async () => {
    const { stdout } = await c.run({ script: "echo $$; hostname; ls /proc | grep -c '^[0-9]'" });
    const [pid, host, count] = stdout.trim().split("\n");
    expect(pid).toBe("1");
    expect(host).toBe("conformance");
    expect(Number(count)).toBeLessThanOrEqual(4);
  });

  it("masks every masked path", async () => {
    const script = DEFAULT_MASKED_PATHS.map((p) => `if [ -d ${p} ]; then echo "${p} $(ls -A ${p} | wc -l)"; elif [ -e ${p} ]; then echo "${p} $(cat ${p} 2>/dev/null | wc -c)"; fi`).join("\n");
    const { stdout } = await c.run({ script });
    for (const line of stdout.trim().split("\n").filter(Boolean)) expect(line).toMatch(/ 0$/);
  });

  it("mounts read-only paths and /sys read-only (EROFS on write)", async () => {
    const existing = DEFAULT_READONLY_PATHS.map((p) => `[ -e ${p} ] && grep -qE " ${p} ro[, ]" /proc/self/mountinfo && echo "${p} ro"`).join("\n");
    const script = `${existing}\necho x > /proc/sys/kernel/domainname\ntouch /sys/x\ntrue`;
    const { stdout, stderr } = await c.run({ script });
    expect(stdout).toContain("/proc/sys ro");
    expect(stderr).toMatch(/domainname: Read-only file system/);
    expect(stderr).toMatch(/\/sys\/x: Read-only file system/);
  });

  it("shows only loopback with network none", async () => {
    const { stdout } = await c.run({ script: "ls /sys/class/net" });
    expect(stdout.trim().split(/\s+/)).toEqual(["lo"]);
  });

  it("passes only fds 0, 1 and 2", async () => {
    const { stdout } = await c.run({ script: "ls /proc/1/fd; true" });
    expect(stdout.trim().split(/\s+/)).toEqual(["0", "1", "2"]);
  });

  it("keeps a host sentinel outside the rootfs unreachable", async () => {
    const { stdout } = await c.run({ script: `cat ${c.sentinel}/secret /../../..${c.sentinel}/secret; grep -rs HOSTSECRET /tmp /root /etc /home; echo end` });
    expect(stdout).not.toContain("HOSTSECRET");
    expect(stdout).toContain("end");
  });

  it("reports the exit code and streams stdout and stderr", async () => {
    const { result, stdout, stderr } = await c.run({ script: "echo out; echo err >&2; exit 5" });
    expect(result.exitCode).toBe(5);
    expect(stdout).toBe("out\n");
    expect(stderr).toBe("err\n");
  });

  it("feeds stdin to the container", async () => {
    const { stdout, result } = await c.run({ script: "tr a-z A-Z", stdin: "hello\n" });
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe("HELLO\n");
  });

  it("enforces a read-only rootfs", async () => {
    const { stderr } = await c.run({ script: "touch /rootfs-write", spec: { readonlyRootfs: true } });
    expect(stderr).toMatch(/Read-only file system/);
  });

  it("stops a fork bomb with the pids limit and leaves no process behind", async () => {
    const marker = `conf-${name}-${process.pid}`;
    const bomb = await c.run({ script: "for i in $(seq 1 300); do sleep 29.5 & done; echo spawned", spec: { limits: { pidsLimit: 64 } }, timeoutMs: 30_000 });
    expect(bomb.ms).toBeLessThan(30_000);
    expect(bomb.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
    const real = await c.run({ script: "b() { b | b & }; b; sleep 2; exit 7", spec: { limits: { pidsLimit: 64 } }, timeoutMs: 20_000 });
    expect(real.ms).toBeLessThan(30_000);
    expect(await leftovers(marker)).toEqual([]);
  });

  it("reports a kill by the memory limit", async () => {
    const { result } = await c.run({ script: "head -c 400000000 /dev/zero | tail", spec: { limits: { memoryBytes: 64 * 1024 * 1024, pidsLimit: 64 } } });
    expect(result.oomKilled).toBe(true);
  });

  it("kills the whole container on timeout and on abort", async () => {
    const timed = await c.run({ script: "sleep 100 & sleep 100", timeoutMs: 500 });
    expect(timed.result).toMatchObject({ timedOut: true, exitCode: 137 });
    expect(timed.ms).toBeLessThan(10_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const aborted = await c.run({ script: "sleep 100", signal: controller.signal });
    expect(aborted.result.aborted).toBe(true);
    expect(await leftovers(`conf-${name}-${process.pid}`)).toEqual([]);
  });

  it.each(["proc", "dev", "sys"])("refuses or confines a rootfs whose /%s is a symlink to the host", async (dir) => {
    const hostile = makeBusyboxRootfs();
    try {
      rmSync(join(hostile.rootfs, dir), { recursive: true });
      symlinkSync(c.sentinel, join(hostile.rootfs, dir));
      const before = readdirSync(c.sentinel).sort();
      const outcome = await runIn(c.driver, hostile.rootfs, c.work, { script: `cat /${dir}/secret; ls /${dir}/; echo end` }).catch((err: Error) => err);
      if (!(outcome instanceof Error)) expect(outcome.stdout).not.toContain("HOSTSECRET");
      expect(readdirSync(c.sentinel).sort()).toEqual(before);
      expect(readFileSync(join(c.sentinel, "secret"), "utf8")).toBe("HOSTSECRET\n");
    } finally {
      hostile.cleanup();
    }
  });

  it("forwards signals to the container's main process", async () => {
    const listeners = new Set<(sig: NodeJS.Signals) => void>();
    const signals = { subscribe: (l: (sig: NodeJS.Signals) => void) => (listeners.add(l), () => listeners.delete(l)) };
    const timer = setInterval(() => listeners.forEach((l) => l("SIGTERM")), 700);
    try {
      const script = "trap 'echo got TERM; exit 3' TERM; while true; do sleep 0.1; done";
      const { result, stdout } = await c.run({ script, signals, timeoutMs: 20_000 });
      expect(result).toMatchObject({ exitCode: 3 });
      expect(stdout).toContain("got TERM");
    } finally {
      clearInterval(timer);
    }
  });

  it("binds /etc/hosts, resolv.conf and hostname, confined even over a hostile symlink", async () => {
    const etc = { hosts: join(c.work, "hosts"), resolvConf: join(c.work, "resolv.conf"), hostname: join(c.work, "hostname") };
    writeFileSync(etc.hosts, "127.0.0.1 localhost conformance\n");
    writeFileSync(etc.resolvConf, "nameserver 127.0.0.53\n");
    writeFileSync(etc.hostname, "conformance\n");
    const hostile = makeBusyboxRootfs();
    try {
      symlinkSync(join(c.sentinel, "secret"), join(hostile.rootfs, "etc/resolv.conf"));
      const script = "cat /etc/hosts /etc/resolv.conf /etc/hostname; echo changed > /etc/resolv.conf";
      const { stdout } = await runIn(c.driver, hostile.rootfs, c.work, { script, spec: { etcFiles: etc } });
      expect(stdout).toBe("127.0.0.1 localhost conformance\nnameserver 127.0.0.53\nconformance\n");
      expect(readFileSync(join(c.sentinel, "secret"), "utf8")).toBe("HOSTSECRET\n");
    } finally {
      hostile.cleanup();
    }
  });
}
