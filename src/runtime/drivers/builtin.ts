import { promises as fs } from "node:fs";
import { posix } from "node:path";
import { InputError } from "../../core/index.js";
import { createCgroup } from "../cgroup-limits.js";
import { killCgroupTree, readCgroupMounts, readOomKills, removeCgroupTree, type CgroupMounts } from "../cgroups.js";
import { prepareMountTargets } from "../mount-targets.js";
import { CONTAINER_ID_RE, type BundleOptions, type Driver, type RunIo, type RunResult } from "../driver.js";
import type { OciSpec } from "../oci-types.js";
import { clampRlimits } from "../process.js";
import { runResultOf, supervise } from "../supervise.js";
import { HOST_PATH, findBuiltinTools, sharedLibraries, type BuiltinTools } from "./builtin-host.js";
import { builtinScript, q, type BuiltinPlan } from "./builtin-script.js";

/**
 * builtinWarnings lists what the builtin driver cannot enforce compared with runc and crun, for
 * the caller to show once.
 */
function builtinWarnings(mounts: CgroupMounts): string[] {
  const out = [
    "builtin driver: no seccomp filter is applied (Docker's default profile needs runc or crun)",
    "builtin driver: the container root is entered with chroot inside a private staging root; a process with CAP_SYS_CHROOT can leave it, reaching only read-only copies of setpriv, env, unshare, umount and their libraries",
    "builtin driver: a non-root user runs without supplementary groups",
  ];
  if (mounts.mode === "v2") out.push("builtin driver: device access rules are not applied on cgroup v2 (they need an eBPF program)");
  else out.push("builtin driver: /sys/fs/cgroup inside the container is an empty read-only tmpfs on cgroup v1 hosts");
  return out;
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await fs.readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    // ESRCH: the process already exited, so there is nothing left to signal.
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** removeEmptyDir removes the (host-side empty) staging mount point; the tmpfs lived only in the container's mount namespace. */
async function removeEmptyDir(dir: string): Promise<void> {
  try {
    await fs.rmdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/** BuiltinDriver runs specs with util-linux; see createBuiltinDriver. */
class BuiltinDriver implements Driver {
  readonly name = "builtin";
  readonly warnings: readonly string[];
  constructor(
    private readonly tools: BuiltinTools,
    private readonly staged: readonly string[],
    private readonly mounts: CgroupMounts,
    private readonly cgroupParent: string,
  ) {
    this.warnings = builtinWarnings(mounts);
  }

  private async plan(spec: OciSpec, bundle: BundleOptions): Promise<BuiltinPlan> {
    if (spec.process.terminal) throw new InputError("the builtin driver cannot give a container a terminal; use runc or crun for -t");
    const bad = spec.process.env.find((e) => !e.includes("="));
    if (bad !== undefined) throw new InputError(`environment entry "${bad}" is not NAME=VALUE`);
    const rootfs = await fs.realpath(spec.root.path);
    const stage = posix.join(bundle.dir, ".tsbuild-stage");
    await fs.mkdir(stage, { recursive: true });
    const process = { ...spec.process, rlimits: await clampRlimits(spec.process.rlimits) };
    return {
      spec: { ...spec, process },
      rootfs,
      stage,
      targets: await prepareMountTargets(spec, rootfs),
      stagedFiles: this.staged,
      cgroupFs: this.mounts.mode === "v2" ? "cgroup2" : "tmpfs",
      loopbackUp: spec.linux.namespaces.some((n) => n.type === "network") ? this.tools.ip : undefined,
      tools: this.tools,
    };
  }

  private launcher(spec: OciSpec, cgroupDirs: readonly string[], script: string): string[] {
    const join = cgroupDirs.map((d) => `echo $$ > ${q(posix.join(d, "cgroup.procs"))}`);
    const ns = ["--mount", "--uts", "--ipc", "--pid", "--cgroup", "--propagation", "private"];
    if (spec.linux.namespaces.some((n) => n.type === "network")) ns.push("--net");
    // --norc: bash would otherwise read ~/.bashrc when its stdin is a socket (Node's stdio pipes).
    const exec = `exec ${q(this.tools.unshare)} ${ns.join(" ")} -- ${q(this.tools.sh)} --norc --noprofile -c "$0"`;
    return [this.tools.sh, "--norc", "--noprofile", "-c", [...join, exec].join(" && "), script];
  }

  async run(spec: OciSpec, bundle: BundleOptions, io: RunIo): Promise<RunResult> {
    if (!CONTAINER_ID_RE.test(bundle.id)) throw new InputError(`container id "${bundle.id}" must match ${CONTAINER_ID_RE}`);
    const rel = posix.join("/", this.cgroupParent, bundle.id);
    const hooks = {
      // SIGKILL to the container's pid 1 ends its pid namespace; the launcher shell (its parent)
      // reaps it and exits, so no zombie outlives the run. Before pid 1 exists, the launcher is killed.
      killAll: async (pid: number | undefined) => {
        if (pid === undefined) return;
        const inits = await childrenOf(pid);
        for (const init of inits) signalPid(init, "SIGKILL");
        if (inits.length === 0) signalPid(pid, "SIGKILL");
      },
      forward: async (signal: NodeJS.Signals, pid: number | undefined) => {
        for (const child of pid === undefined ? [] : await childrenOf(pid)) signalPid(child, signal);
      },
    };
    try {
      const plan = await this.plan(spec, bundle);
      const dirs = await createCgroup(this.mounts, rel, spec.linux.resources);
      const done = await supervise(this.launcher(spec, dirs, builtinScript(plan)), io, hooks, { PATH: HOST_PATH });
      const oomKilled = (await readOomKills(this.mounts, rel)) > 0;
      return runResultOf(done, oomKilled);
    } finally {
      await removeCgroupTree(this.mounts, rel);
      await removeEmptyDir(posix.join(bundle.dir, ".tsbuild-stage"));
    }
  }

  async reclaim(id: string): Promise<void> {
    if (!CONTAINER_ID_RE.test(id)) throw new InputError(`container id "${id}" must match ${CONTAINER_ID_RE}`);
    await killCgroupTree(this.mounts, posix.join("/", this.cgroupParent, id));
  }
}

/** BuiltinDriverOptions: `cgroupParent` is the cgroup under which each run gets `<parent>/<id>`. */
export interface BuiltinDriverOptions {
  readonly cgroupParent?: string;
  readonly pathEnv?: string;
}

/**
 * createBuiltinDriver returns a Driver that executes specs with util-linux instead of an OCI
 * runtime: unshare for namespaces, mount(8) for the filesystem set, cgroupfs writes for limits,
 * pivot_root into a staging root, setpriv for capabilities and no_new_privs. What it cannot
 * enforce is in `warnings`. Throws when a required host program is missing.
 */
export async function createBuiltinDriver(options: BuiltinDriverOptions = {}): Promise<Driver> {
  const tools = await findBuiltinTools(options.pathEnv);
  const programs = [tools.setpriv, tools.env, tools.unshare, tools.umount];
  const staged = [...programs, ...(await sharedLibraries(programs))];
  return new BuiltinDriver(tools, staged, await readCgroupMounts(), options.cgroupParent ?? "tsbuild");
}
