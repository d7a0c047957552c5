import { accessSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { TsbuildError } from "../core/index.js";
import { hierarchyRoots, type CgroupMounts } from "./cgroups.js";
import type { OciDeviceRule, OciResources } from "./oci-types.js";

/** DEVICE_DEFAULTS are the runtime-spec default devices every runtime allows besides the spec's rules. */
const DEVICE_DEFAULTS: readonly string[] = ["c 1:7 rwm", "c 5:2 rwm", "c 136:* rwm"];

function deviceLine(rule: OciDeviceRule): string {
  const minor = rule.minor === undefined ? "*" : String(rule.minor);
  const major = rule.major === undefined ? "*" : String(rule.major);
  return rule.type === undefined || rule.type === "a" ? "a" : `${rule.type} ${major}:${minor} ${rule.access}`;
}

// The cgroup files are written and read synchronously: each call takes microseconds, far less
// than a round trip through the thread pool, and a container start makes a few dozen of them.
function write(dir: string, file: string, value: string): void {
  try {
    writeFileSync(posix.join(dir, file), value);
  } catch (err) {
    throw new TsbuildError("Cgroup", `cannot write "${value}" to ${posix.join(dir, file)}: ${(err as Error).message}`, { cause: err });
  }
}

function exists(path: string): boolean {
  try {
    accessSync(path);
    return true;
  } catch {
    // Absent (ENOENT) is the answer; other errors surface when the file is written.
    return false;
  }
}

function applyV1(mounts: CgroupMounts, rel: string, res: Partial<OciResources>): void {
  const dir = (controller: string): string | undefined => {
    const root = mounts.v1.get(controller);
    return root === undefined ? undefined : posix.join(root, rel);
  };
  const memory = dir("memory");
  if (res.memory && memory) {
    write(memory, "memory.limit_in_bytes", String(res.memory.limit));
    if (exists(posix.join(memory, "memory.memsw.limit_in_bytes"))) {
      write(memory, "memory.memsw.limit_in_bytes", String(res.memory.swap));
    }
  } else if (res.memory) throw new TsbuildError("Cgroup", "the memory cgroup controller is not mounted; cannot apply a memory limit");
  const pids = dir("pids");
  if (res.pids && pids) write(pids, "pids.max", String(res.pids.limit));
  else if (res.pids) throw new TsbuildError("Cgroup", "the pids cgroup controller is not mounted; cannot apply a pids limit");
  const cpu = dir("cpu");
  if (res.cpu && cpu) {
    write(cpu, "cpu.cfs_period_us", String(res.cpu.period));
    write(cpu, "cpu.cfs_quota_us", String(res.cpu.quota));
  }
  const devices = dir("devices");
  if (res.devices && devices) {
    for (const rule of res.devices) write(devices, rule.allow ? "devices.allow" : "devices.deny", deviceLine(rule));
    for (const line of DEVICE_DEFAULTS) write(devices, "devices.allow", line);
  }
}

/** enableV2Controllers enables memory, pids and cpu for the children of `parentRel` and its ancestors. */
function enableV2Controllers(unified: string, parentRel: string): void {
  let dir = unified;
  write(dir, "cgroup.subtree_control", "+memory +pids +cpu");
  for (const part of parentRel.split("/").filter(Boolean)) {
    dir = posix.join(dir, part);
    write(dir, "cgroup.subtree_control", "+memory +pids +cpu");
  }
}

function applyV2(unified: string, rel: string, res: Partial<OciResources>): void {
  const dir = posix.join(unified, rel);
  if (res.memory) {
    write(dir, "memory.max", String(res.memory.limit));
    write(dir, "memory.swap.max", String(Math.max(0, res.memory.swap - res.memory.limit)));
  }
  if (res.pids) write(dir, "pids.max", String(res.pids.limit));
  if (res.cpu) write(dir, "cpu.max", `${res.cpu.quota} ${res.cpu.period}`);
}

/**
 * fillCpuset copies cpuset.cpus and cpuset.mems down from the v1 cpuset root into each level of
 * `rel` that has them empty: a new cpuset cgroup starts empty and refuses tasks until both are set.
 */
function fillCpuset(root: string, rel: string): void {
  let parent = root;
  for (const part of rel.split("/").filter(Boolean)) {
    const dir = posix.join(parent, part);
    for (const file of ["cpuset.cpus", "cpuset.mems"]) {
      const own = readFileSync(posix.join(dir, file), "utf8").trim();
      if (own === "") write(dir, file, readFileSync(posix.join(parent, file), "utf8").trim());
    }
    parent = dir;
  }
}

/**
 * createCgroup makes cgroup `rel` in every hierarchy and applies `res`: memory (+swap), pids and
 * cpu limits, and on v1 the device allowlist (v2 devices need an eBPF program, which tsbuild does
 * not load: callers report that). In hybrid mode limits go to the v1 controllers, where the
 * kernel has them bound. Returns the cgroup directories a process must join (cgroup.procs).
 */
export async function createCgroup(mounts: CgroupMounts, rel: string, res: Partial<OciResources>): Promise<string[]> {
  return createCgroupSync(mounts, rel, res);
}

/** createCgroupSync is createCgroup without the promise. */
export function createCgroupSync(mounts: CgroupMounts, rel: string, res: Partial<OciResources>): string[] {
  const dirs = hierarchyRoots(mounts).map((root) => posix.join(root, rel));
  for (const dir of dirs) mkdirSync(dir, { recursive: true });
  const cpuset = mounts.v1.get("cpuset");
  if (cpuset !== undefined) fillCpuset(cpuset, rel);
  if (mounts.mode === "v2" && mounts.unified !== undefined) {
    if (res.memory || res.pids || res.cpu) enableV2Controllers(mounts.unified, posix.dirname(rel));
    applyV2(mounts.unified, rel, res);
  } else {
    applyV1(mounts, rel, res);
  }
  return dirs;
}
