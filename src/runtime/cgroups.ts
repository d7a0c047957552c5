import { closeSync, promises as fs, openSync, readdirSync, readFileSync, rmdirSync, write as fsWrite } from "node:fs";
import { posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { TsbuildError } from "../core/index.js";

/** CgroupMode is how the host mounts cgroups: only v1 controllers, only the v2 unified tree, or both. */
export type CgroupMode = "v1" | "v2" | "hybrid";

/**
 * CgroupMounts says where each hierarchy is mounted: `v1` maps a controller name (memory, pids,
 * cpu, name=systemd ...) to its mount point, `unified` is the cgroup2 mount if any.
 */
export interface CgroupMounts {
  readonly mode: CgroupMode;
  readonly v1: ReadonlyMap<string, string>;
  readonly unified?: string;
}

/** V1_CONTROLLERS are the controller names tsbuild looks for in a v1 mount's super options. */
const V1_CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc"];

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * parseCgroupMounts reads /proc/self/mountinfo text and classifies the cgroup setup: `v2` when
 * the unified hierarchy is mounted and no v1 controller is, `hybrid` when both are (systemd's
 * /sys/fs/cgroup/unified layout), `v1` otherwise. Throws when no cgroup filesystem is mounted.
 */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const mountPoint = unescapeMount(left.split(" ")[4] ?? "");
    const [fstype, , superOptions = ""] = right.split(" ");
    if (fstype === "cgroup2") unified ??= mountPoint;
    if (fstype !== "cgroup") continue;
    for (const opt of superOptions.split(",")) {
      if (V1_CONTROLLERS.includes(opt) || opt.startsWith("name=")) v1.set(opt, mountPoint);
    }
  }
  if (v1.size === 0 && unified === undefined) {
    throw new TsbuildError("Cgroup", "no cgroup filesystem is mounted; mount cgroup2 at /sys/fs/cgroup to use resource limits");
  }
  const mode: CgroupMode = v1.size === 0 ? "v2" : unified === undefined ? "v1" : "hybrid";
  return { mode, v1, ...(unified === undefined ? {} : { unified }) };
}

/** readCgroupMounts parses this process's /proc/self/mountinfo with parseCgroupMounts (read synchronously: one small read). */
export async function readCgroupMounts(): Promise<CgroupMounts> {
  return parseCgroupMounts(readFileSync("/proc/self/mountinfo", "utf8"));
}

/**
 * hierarchyRoots lists the distinct mount points that hold a copy of a cgroup path: every v1
 * mount, plus the unified mount (in hybrid mode runtimes create the path there too).
 */
export function hierarchyRoots(mounts: CgroupMounts): string[] {
  const roots = new Set(mounts.v1.values());
  if (mounts.unified !== undefined) roots.add(mounts.unified);
  return [...roots];
}

/**
 * readOomKills returns how many processes the OOM killer killed in cgroup `rel` and below: the
 * `oom_kill` counter of memory.events (v2) or memory.oom_control (v1), both hierarchical.
 * Returns 0 when the cgroup or the counter does not exist. The one small read is synchronous.
 */
export async function readOomKills(mounts: CgroupMounts, rel: string): Promise<number> {
  const memory = mounts.v1.get("memory");
  const file =
    memory !== undefined
      ? posix.join(memory, rel, "memory.oom_control")
      : posix.join(mounts.unified ?? "/sys/fs/cgroup", rel, "memory.events");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

async function childDirs(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => posix.join(dir, e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** rmdirCgroup removes one cgroup directory (deepest first), retrying while exiting tasks drain. */
async function rmdirCgroup(dir: string, deadline: number): Promise<void> {
  for (const child of await childDirs(dir)) await rmdirCgroup(child, deadline);
  for (;;) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || Date.now() > deadline) throw err;
      await sleep(20);
    }
  }
}

/**
 * removeCgroupTree removes cgroup `rel` and everything below it from every hierarchy (all at
 * once: a v1 host has a dozen). It waits up to `waitMs` for exiting processes to leave; a cgroup
 * still busy after that is an error (tsbuild never leaves cgroups behind silently). The common
 * case, nothing busy, is done with synchronous calls (microseconds each).
 */
export async function removeCgroupTree(mounts: CgroupMounts, rel: string, waitMs = 2000): Promise<void> {
  const deadline = Date.now() + waitMs;
  const busy = hierarchyRoots(mounts).filter((root) => !rmdirTreeSync(posix.join(root, rel)));
  await Promise.all(busy.map((root) => rmdirCgroup(posix.join(root, rel), deadline)));
}

/**
 * rmdirTreeSync removes cgroup `dir` and its children, deepest first; false when one is still busy
 * (EBUSY). A cgroup's control files do not keep it, so the rmdir is tried first: a cgroup without
 * children (a container's, every time) then costs one system call instead of a listing of its
 * dozens of control files. EBUSY means child cgroups or processes: the children are removed and
 * the rmdir tried again.
 */
function rmdirTreeSync(dir: string): boolean {
  if (rmdirCgroupSync(dir)) return true;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw err;
  }
  for (const e of entries) if (e.isDirectory() && !rmdirTreeSync(posix.join(dir, e.name))) return false;
  return rmdirCgroupSync(dir);
}

/** rmdirCgroupSync removes the cgroup `dir`: true when it is gone (or was), false when busy (EBUSY). */
function rmdirCgroupSync(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return true;
    if (code === "EBUSY") return false;
    throw err;
  }
}

/** WARM_INTERVAL_MS is the pause between two warming writes: well within the ~10-20 ms after a write in which the next one is still fast. */
const WARM_INTERVAL_MS = 4;

/** WARM_MAX_MS bounds how long warmCgroupAttach keeps writing when nobody stops it. */
const WARM_MAX_MS = 300;

/**
 * warmCgroupAttach makes moves of processes between cgroups fast until the returned function is
 * called (at most WARM_MAX_MS): the first cgroup.procs write after a pause waits for an RCU grace
 * period (5-8 ms here: the kernel's cgroup_threadgroup_rwsem switches to its writer mode), and a
 * write within about 10 ms of the previous one does not (measured: 0.05-0.3 ms with 10 ms
 * between, 5.6-7.9 ms with 20 ms or more). It writes this process's pid into the cgroup.procs of
 * a cgroup it is already in (a no-op move) in the thread pool, again every WARM_INTERVAL_MS, so
 * that the joins of a launcher started tens of milliseconds later find the fast mode. Only a
 * cgroup that lists this process is written; a failure only leaves the next join slow, so it
 * ends the warming silently. The timers never keep the process alive.
 */
export function warmCgroupAttach(mounts: CgroupMounts): () => void {
  let fd: number;
  try {
    const own = ownProcsFile(mounts, readFileSync("/proc/self/cgroup", "utf8"));
    if (own === undefined) return () => undefined;
    // Opened here, written in the thread pool: fs.writeFile would open, write and close in three
    // pool jobs, each started only when the event loop next turns (after the caller's synchronous
    // work), so the write would come too late to be of use.
    fd = openSync(own, "w");
  } catch {
    // No cgroup information (no /proc, a cgroup namespace that hides it) or a read-only or
    // delegated cgroup tree: nothing to warm, and the joins simply wait.
    return () => undefined;
  }
  const pid = Buffer.from(String(process.pid));
  const until = Date.now() + WARM_MAX_MS;
  let stopped = false;
  let writing = false;
  // The file closes once: here when no write is under way, else when that write is done.
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (!writing) closeSync(fd);
  };
  const write = (): void => {
    if (stopped) return;
    if (Date.now() > until) return stop();
    writing = true;
    // The callback form: fs.promises would load node:fs/promises (and readline) just for this write.
    fsWrite(fd, pid, (err) => {
      writing = false;
      // A refused write ends the warming: the joins then simply wait.
      if (stopped || err !== null) {
        stopped = true;
        closeSync(fd);
      } else setTimeout(write, WARM_INTERVAL_MS).unref();
    });
  };
  write();
  return stop;
}

/** ownProcsFile is the cgroup.procs of a cgroup this process is in (per `self`, /proc/self/cgroup text) that lists it; undefined when none does. */
function ownProcsFile(mounts: CgroupMounts, self: string): string | undefined {
  for (const line of self.split("\n")) {
    const [, controllers = "", path = ""] = line.split(":");
    const root = controllers === "" ? mounts.unified : controllers.split(",").map((c) => mounts.v1.get(c)).find((m) => m !== undefined);
    if (root === undefined || !path.startsWith("/")) continue;
    const file = posix.join(root, path, "cgroup.procs");
    // Only where this process is listed is the write a no-op (the mount may show another root).
    if (listsSelf(file)) return file;
  }
  return undefined;
}

/** listsSelf says whether the cgroup.procs `file` lists this process; a file that cannot be read does not. */
function listsSelf(file: string): boolean {
  try {
    return readFileSync(file, "utf8").split("\n").includes(String(process.pid));
  } catch {
    // A path the mount does not hold (another cgroup namespace's view): not this one.
    return false;
  }
}

/** killCgroupProcs sends SIGKILL to every process in cgroup `dir` and below it. */
async function killCgroupProcs(dir: string): Promise<void> {
  for (const child of await childDirs(dir)) await killCgroupProcs(child);
  let text: string;
  try {
    text = await fs.readFile(posix.join(dir, "cgroup.procs"), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  for (const pid of text.split("\n").filter(Boolean).map(Number)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch (err) {
      // ESRCH: it exited meanwhile, which is the goal.
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
}

/** killCgroupTree kills every process in cgroup `rel` (all hierarchies), then removes the cgroups. */
export async function killCgroupTree(mounts: CgroupMounts, rel: string, waitMs = 5000): Promise<void> {
  for (const root of hierarchyRoots(mounts)) await killCgroupProcs(posix.join(root, rel));
  await removeCgroupTree(mounts, rel, waitMs);
}
