import { existsSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { createBuiltinDriver } from "../../src/runtime/drivers/builtin.js";
import { createOciDriver } from "../../src/runtime/drivers/oci.js";
import type { Driver, RunResult, SignalSource } from "../../src/runtime/driver.js";
import { buildSpec, type SpecInput } from "../../src/runtime/spec.js";
import { busyboxAvailable } from "./rootfs.js";

/** DriverName is a sandbox backend the conformance suite runs against. */
export type DriverName = "runc" | "crun" | "builtin";

function onPath(name: string): boolean {
  return (process.env.PATH ?? "").split(":").some((dir) => dir.startsWith("/") && existsSync(join(dir, name)));
}

/**
 * missingPrerequisite names what the sandbox tests for `driver` lack (root, busybox-static, the
 * runtime binary, util-linux), or undefined when they can run.
 */
export function missingPrerequisite(driver: DriverName): string | undefined {
  if (process.getuid?.() !== 0) return "sandbox tests need root";
  if (!busyboxAvailable()) return "busybox-static is not installed (/bin/busybox)";
  const needs = driver === "builtin" ? ["unshare", "setpriv", "bash", "ldd", "pivot_root"] : [driver];
  const absent = needs.filter((n) => !onPath(n) && !existsSync(join("/usr/sbin", n)));
  return absent.length > 0 ? `${absent.join(", ")} not installed` : undefined;
}

/** TEST_CGROUP_PARENT is this test process's own parent cgroup, removed by the suite's afterAll. */
export const TEST_CGROUP_PARENT = `tsbuild-test-${process.pid}`;

/** makeDriver creates the driver `name` with its runtime state under `stateRoot`. */
export function makeDriver(name: DriverName, stateRoot: string): Promise<Driver> {
  const cgroupParent = TEST_CGROUP_PARENT;
  return name === "builtin" ? createBuiltinDriver({ cgroupParent }) : createOciDriver({ runtime: name, stateRoot, cgroupParent });
}

/** Captured is a run's result plus everything it wrote and how long it took. */
export interface Captured {
  readonly result: RunResult;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** SandboxRun describes one test run: a shell script (or argv) plus SpecInput overrides. */
export interface SandboxRun {
  readonly script?: string;
  readonly spec?: Partial<SpecInput>;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly signals?: SignalSource;
  readonly stdin?: string;
}

let counter = 0;

/**
 * runIn runs `run.script` with /bin/sh in a fresh bundle under `bundleParent`, with `rootfs` as
 * root, as uid 0 on network none unless overridden, collecting output.
 */
export async function runIn(driver: Driver, rootfs: string, bundleParent: string, run: SandboxRun): Promise<Captured> {
  const input: SpecInput = {
    rootfs,
    argv: ["/bin/sh", "-c", run.script ?? "true"],
    env: ["PATH=/bin:/usr/bin:/sbin", "HOME=/root"],
    cwd: "/",
    user: { uid: 0, gid: 0, additionalGids: [] },
    hostname: "conformance",
    mounts: [],
    network: "none",
    limits: { pidsLimit: 128 },
    tty: false,
    readonlyRootfs: false,
    ...run.spec,
  };
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on("data", (d: Buffer) => chunks.out.push(d));
  err.on("data", (d: Buffer) => chunks.err.push(d));
  const dir = mkdtempSync(join(bundleParent, "bundle-"));
  const id = `conf-${driver.name}-${process.pid}-${++counter}`;
  const started = Date.now();
  const result = await driver.run(buildSpec(input), { dir, id }, {
    stdout: out,
    stderr: err,
    ...(run.timeoutMs !== undefined ? { timeoutMs: run.timeoutMs } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
    ...(run.signals ? { signals: run.signals } : {}),
    ...(run.stdin !== undefined ? { stdin: Readable.from([run.stdin]) } : {}),
  });
  await new Promise((r) => setImmediate(r));
  return { result, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString(), ms: Date.now() - started };
}
