import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { InputError, TsbuildError } from "../../core/index.js";
import { createCgroup } from "../cgroup-limits.js";
import { readCgroupMounts, readOomKills, removeCgroupTree, type CgroupMounts } from "../cgroups.js";
import { prepareMountTargets } from "../mount-targets.js";
import { CONTAINER_ID_RE, type BundleOptions, type Driver, type ExecOptions, type RunIo, type RunResult } from "../driver.js";
import { execProcess } from "../exec-process.js";
import type { OciSpec } from "../oci-types.js";
import { clampRlimits, findOnPath, runCommand } from "../process.js";
import { settled } from "../settled.js";
import { runResultOf, supervise, superviseTerminal } from "../supervise.js";
import { harvestSeccomp, readCachedFilter, SECCOMP_BPF_ANNOTATION, seccompCompileId, seccompKey, storeFilter } from "./seccomp-cache.js";

/** OciRuntimeName is an OCI runtime tsbuild knows how to drive. */
export type OciRuntimeName = "runc" | "crun";

/**
 * OciDriverOptions: `runtime` is looked up on PATH by name; `stateRoot` is the runtime's --root
 * (tsbuild's own, never the global /run/runc); `cgroupParent` is the cgroup under which each run
 * gets `<parent>/<id>`.
 */
export interface OciDriverOptions {
  readonly runtime: OciRuntimeName;
  readonly stateRoot?: string;
  readonly cgroupParent?: string;
  readonly pathEnv?: string;
}

/** DEFAULT_STATE_ROOT is where runtime state lives unless the caller picks another directory. */
export const DEFAULT_STATE_ROOT = "/run/tsbuild/runtime";

/** KILL_RETRY_MS bounds how long killAll waits for a container that is still starting. */
const KILL_RETRY_MS = 3000;

/** shellQuote quotes one word for sh. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Launch is how one run is started: the command, the config.json to write, and where OOM kills are counted. */
interface Launch {
  readonly argv: string[];
  readonly config: OciSpec & { linux: { cgroupsPath?: string } };
  readonly oomCgroup: string;
}

/** OciDriver runs specs with runc or crun; see createOciDriver. */
class OciDriver implements Driver {
  readonly warnings: readonly string[] = [];
  constructor(
    readonly name: OciRuntimeName,
    private readonly binary: string,
    private readonly stateRoot: string,
    private readonly cgroupParent: string,
    private readonly mounts: CgroupMounts,
  ) {}

  /**
   * selfManaged says whether tsbuild manages the container's cgroups itself: crun 1.x refuses
   * hybrid hosts and removes its cgroup on exit before the OOM counter (v1 counts kills only in
   * the victim's own cgroup) can be read, so on v1 and hybrid hosts crun runs with
   * --cgroup-manager=disabled inside a cgroup tsbuild created and limits.
   */
  private get selfManaged(): boolean {
    return this.name === "crun" && this.mounts.mode !== "v2";
  }

  /**
   * command prefixes runtime arguments. For crun on a hybrid host it runs in a private mount
   * namespace where the cgroup2 mount is detached, so crun sees a pure v1 host; `join` lists cgroup
   * directories the launcher enters first (before the unmount).
   */
  private command(args: readonly string[], join: readonly string[] = []): string[] {
    const manager = this.selfManaged ? ["--cgroup-manager=disabled"] : [];
    const base = [this.binary, ...manager, "--root", this.stateRoot, ...args];
    const hybrid = this.name === "crun" && this.mounts.mode === "hybrid" && this.mounts.unified !== undefined;
    if (!hybrid && join.length === 0) return base;
    const steps = join.map((dir) => `echo $$ > ${shellQuote(posix.join(dir, "cgroup.procs"))}`);
    if (hybrid) steps.push(`umount -n -i ${shellQuote(this.mounts.unified ?? "")}`);
    const script = [...steps, 'exec "$@"'].join(" && ");
    const prefix = hybrid ? ["unshare", "--mount", "--propagation", "private", "--"] : [];
    return [...prefix, "sh", "-c", script, "sh", ...base];
  }

  /**
   * exists asks the runtime whether container `id` exists, unless its state dir (runc and crun
   * both keep `<root>/<id>`) is missing: then it does not, and no runtime process is spawned.
   */
  private async exists(id: string): Promise<boolean> {
    const dir = await fs.stat(posix.join(this.stateRoot, id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (dir === undefined) return false;
    const result = await runCommand(this.command(["state", id]));
    return result.code === 0;
  }

  private async destroy(id: string): Promise<void> {
    if (!(await this.exists(id))) return;
    const result = await runCommand(this.command(["delete", "--force", id]), 30_000);
    if (result.code !== 0 && (await this.exists(id))) {
      throw new TsbuildError("Runtime", `${this.name} delete ${id} failed: ${result.stderr.trim()}`);
    }
  }

  /**
   * killAll sends SIGKILL to the container's init (the pid namespace then takes every other
   * process with it). A container still being created cannot be signalled yet, so this retries
   * for up to KILL_RETRY_MS; after that it throws and the caller kills the runtime's process group.
   */
  private async killAll(id: string): Promise<void> {
    const deadline = Date.now() + KILL_RETRY_MS;
    for (;;) {
      const result = await runCommand(this.command(["kill", id, "KILL"]));
      if (result.code === 0) return;
      if (Date.now() > deadline) throw new TsbuildError("Runtime", `${this.name} kill ${id} failed: ${result.stderr.trim()}`);
      await sleep(50);
    }
  }

  /**
   * launch prepares one run. With a memory limit, runc keeps the stopped container (`run --keep`)
   * so the OOM counter of `<rel>/container` can be read before deletion; without one there is no
   * limit whose kills to report, and runc deletes the container itself. crun on v2 reports kills hierarchically, so its
   * parent `<rel>` is read. crun on v1/hybrid runs in `<rel>`, created and limited by tsbuild.
   * Rlimits are clamped to tsbuild's own hard limits.
   */
  private async launch(spec: OciSpec, bundle: BundleOptions, rel: string): Promise<Launch> {
    const process = { ...spec.process, rlimits: await clampRlimits(spec.process.rlimits) };
    const run = ["run", "--bundle", bundle.dir, bundle.id];
    if (this.selfManaged) {
      const dirs = await createCgroup(this.mounts, rel, spec.linux.resources);
      const linux = { ...spec.linux, resources: { devices: [] } };
      return { argv: this.command(run, dirs), config: { ...spec, process, linux }, oomCgroup: rel };
    }
    const linux = { ...spec.linux, cgroupsPath: posix.join(rel, "container") };
    if (this.name === "runc") {
      const keep = spec.linux.resources?.memory?.limit !== undefined ? ["--keep"] : [];
      return { argv: this.command(["run", ...keep, ...run.slice(1)]), config: { ...spec, process, linux }, oomCgroup: linux.cgroupsPath };
    }
    return { argv: this.command(run), config: { ...spec, process, linux }, oomCgroup: rel };
  }

  /** cachedFilter is the compiled form of `seccomp` kept for this runtime (seccomp-cache.ts), if any. */
  private async cachedFilter(seccomp: OciSpec["linux"]["seccomp"]): Promise<{ key: string; filter: string | undefined }> {
    const key = await seccompKey(seccomp, this.binary);
    return { key, filter: await readCachedFilter(posix.join(this.stateRoot, ".seccomp-cache"), key) };
  }

  /**
   * withCompiledSeccomp gives crun the compiled form of the config's seccomp profile
   * (seccomp-cache.ts): `cached` when there is one, else compiled by crun now and kept for the
   * next run; crun then skips its own compilation. When crun could not compile it, the config
   * goes as it is (crun reports why). Needs the rootfs's mount targets made.
   */
  private async withCompiledSeccomp(config: Launch["config"], cached: { key: string; filter: string | undefined }, bundle: BundleOptions, rel: string): Promise<Launch["config"]> {
    let filter = cached.filter;
    if (filter === undefined) {
      const id = seccompCompileId(bundle.id);
      // The compile container gets a cgroup of its own below the run's (removed with it) where crun manages cgroups.
      const linux = config.linux.cgroupsPath !== undefined ? { ...config.linux, cgroupsPath: posix.join(rel, "seccomp") } : config.linux;
      const bytes = await harvestSeccomp({ ...config, linux }, { command: (args) => this.command(args), stateRoot: this.stateRoot, dir: posix.join(bundle.dir, "seccomp"), id });
      if (bytes === undefined) return config;
      await storeFilter(posix.join(this.stateRoot, ".seccomp-cache"), cached.key, bytes);
      filter = bytes.toString("base64");
    }
    return { ...config, annotations: { ...config.annotations, [SECCOMP_BPF_ANNOTATION]: filter } };
  }

  /**
   * prepare makes the rootfs's mount targets, the runtime's state dir, the run's cgroup (launch)
   * and, for crun, looks up the compiled seccomp filter, all at once; returns the command and the
   * config to write.
   */
  private async prepare(spec: OciSpec, bundle: BundleOptions, rel: string): Promise<Launch> {
    const targets = fs.realpath(spec.root.path).then((real) => prepareMountTargets(spec, real));
    const launching = fs.mkdir(this.stateRoot, { recursive: true, mode: 0o700 }).then(() => this.launch(spec, bundle, rel));
    const cached = this.name === "crun" ? this.cachedFilter(spec.linux.seccomp) : Promise.resolve(undefined);
    const [, launch, filter] = await settled([targets, launching, cached] as const);
    return filter === undefined ? launch : { ...launch, config: await this.withCompiledSeccomp(launch.config, filter, bundle, rel) };
  }

  async run(spec: OciSpec, bundle: BundleOptions, io: RunIo): Promise<RunResult> {
    if (!CONTAINER_ID_RE.test(bundle.id)) throw new InputError(`container id "${bundle.id}" must match ${CONTAINER_ID_RE}`);
    const rel = posix.join("/", this.cgroupParent, bundle.id);
    const killAll = (): Promise<void> => this.killAll(bundle.id);
    const forward = async (signal: NodeJS.Signals): Promise<void> => {
      await runCommand(this.command(["kill", bundle.id, signal]));
    };
    try {
      const launch = await this.prepare(spec, bundle, rel);
      await fs.writeFile(posix.join(bundle.dir, "config.json"), JSON.stringify(launch.config));
      // A terminal run shares the caller's streams: the runtime relays its own terminal to the container's.
      const done = await (spec.process.terminal ? superviseTerminal : supervise)(launch.argv, io, { killAll, forward });
      const oomKilled = (await readOomKills(this.mounts, launch.oomCgroup)) > 0;
      return runResultOf(done, oomKilled);
    } finally {
      await this.destroy(bundle.id);
      await removeCgroupTree(this.mounts, rel);
    }
  }

  async exec(id: string, argv: readonly string[], io: RunIo, options?: ExecOptions): Promise<RunResult> {
    if (!CONTAINER_ID_RE.test(id)) throw new InputError(`container id "${id}" must match ${CONTAINER_ID_RE}`);
    if (!(await this.exists(id))) throw new InputError(`container ${id} is not running`);
    const tty = options?.tty === true;
    const hooks = {
      killAll: async (pid: number | undefined) => {
        // Only a piped exec leads a process group of its own; a terminal exec shares the caller's.
        if (pid !== undefined) process.kill(tty ? pid : -pid, "SIGKILL");
      },
      forward: async (signal: NodeJS.Signals, pid: number | undefined) => {
        if (pid !== undefined) process.kill(pid, signal);
      },
    };
    // Always a whole process: crun exec would otherwise start in / instead of the main process's cwd.
    const file = await this.processFile(id, argv, options ?? {});
    try {
      const args = this.command(["exec", "--process", file, id]);
      return runResultOf(await (tty ? superviseTerminal(args, io, hooks) : supervise(args, io, hooks)));
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /**
   * processFile writes the process of an exec with `options` (execProcess over the main process
   * in the container's config.json, found through the runtime's state) next to that config.
   */
  private async processFile(id: string, argv: readonly string[], options: ExecOptions): Promise<string> {
    const state = await runCommand(this.command(["state", id]));
    if (state.code !== 0) throw new InputError(`container ${id} is not running: ${state.stderr.trim()}`);
    const bundle = (JSON.parse(state.stdout) as { bundle?: unknown }).bundle;
    if (typeof bundle !== "string") throw new TsbuildError("Runtime", `${this.name} state ${id} names no bundle`);
    const config = JSON.parse(await fs.readFile(posix.join(bundle, "config.json"), "utf8")) as OciSpec;
    const file = posix.join(bundle, `exec-${randomBytes(6).toString("hex")}.json`);
    await fs.writeFile(file, JSON.stringify(execProcess(config.process, argv, options)), { mode: 0o600 });
    return file;
  }

  async reclaim(id: string): Promise<void> {
    if (!CONTAINER_ID_RE.test(id)) throw new InputError(`container id "${id}" must match ${CONTAINER_ID_RE}`);
    const rel = posix.join("/", this.cgroupParent, id);
    if (await this.exists(id)) await runCommand(this.command(["kill", id, "KILL"]));
    await this.destroy(id);
    // A supervisor killed while crun compiled the seccomp profile leaves that container created.
    if (this.name === "crun") await this.destroy(seccompCompileId(id));
    await removeCgroupTree(this.mounts, rel, 5000);
  }
}

/**
 * createOciDriver finds `options.runtime` on PATH and returns a Driver that runs each spec with
 * `<runtime> --root <stateRoot> run` in the foreground, in cgroup `<cgroupParent>/<id>/container`.
 * After every run it deletes the container (killing anything left) and removes its cgroups.
 * Throws when the runtime is not installed.
 */
export async function createOciDriver(options: OciDriverOptions): Promise<Driver> {
  const binary = await findOnPath(options.runtime, options.pathEnv);
  if (!binary) {
    throw new TsbuildError("Runtime", `${options.runtime} was not found on PATH; install it (apt-get install ${options.runtime}) or use the builtin driver`);
  }
  const mounts = await readCgroupMounts();
  return new OciDriver(options.runtime, binary, options.stateRoot ?? DEFAULT_STATE_ROOT, options.cgroupParent ?? "tsbuild", mounts);
}
