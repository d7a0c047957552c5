import { randomBytes } from "node:crypto";
import { mkdirSync, promises as fs, realpathSync, statSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { InputError, TsbuildError } from "../../core/index.js";
import { createCgroupSync } from "../cgroup-limits.js";
import { readCgroupMounts, readOomKills, removeCgroupTree, warmCgroupAttach, type CgroupMounts } from "../cgroups.js";
import { DEFAULT_CAPABILITIES } from "../capabilities.js";
import { prepareMountTargets } from "../mount-targets.js";
import type { RootView } from "../confined.js";
import { CONTAINER_ID_RE, RootfsMountError, type BundleOptions, type Driver, type ExecOptions, type LaunchRequest, type RootfsOverlay, type RunIo, type RunResult, type SpecAhead } from "../driver.js";
import { execProcess } from "../exec-process.js";
import type { OciSpec } from "../oci-types.js";
import { clampRlimits, findOnPath, ownHardLimits, runCommand, shellQuote } from "../process.js";
import { overlayLinksSync, removeLinksSync } from "../overlay.js";
import { defaultSeccomp, goArch } from "../seccomp.js";
import { runResultOf, supervise, superviseTerminal, type Supervised, type SuperviseHooks } from "../supervise.js";
import type { SpawnedChild } from "../native-spawn.js";
import { Handshake, launcherArgv, mountTableOf, nativeLauncher, nativeLauncherArgv, type LauncherPlan } from "./launcher.js";
import { harvestSeccomp, readCachedFilter, SECCOMP_BPF_ANNOTATION, seccompCompileId, seccompKey, storeFilter, type SeccompKey } from "./seccomp-cache.js";

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

/** Config is a config.json as tsbuild writes it for a runtime. */
type Config = OciSpec & { linux: { cgroupsPath?: string } };

/** RuntimeRun is the runtime's part of one run: its command, where OOM kills are counted, and its cgroup settings. */
interface RuntimeRun {
  readonly argv: string[];
  readonly oomCgroup: string;
  readonly linux: (linux: OciSpec["linux"]) => Config["linux"];
}

/**
 * Start is one run: the rootfs at `rootfs`, already there (run) or the target of an overlay to
 * mount (launch), the cgroup resources, whether the container has a terminal, and its spec once
 * the rootfs is there.
 */
interface Start {
  readonly rootfs: string;
  readonly overlay?: RootfsOverlay;
  readonly resources: OciSpec["linux"]["resources"];
  readonly terminal: boolean;
  ahead?(): void;
  specAhead?(): Promise<SpecAhead | undefined>;
  spec(view: RootView): Promise<OciSpec>;
}

/**
 * Ahead is what configFor needs that no rootfs decides, made while the launcher mounts: this
 * process's hard limits and, for crun, the cached compiled filter of the seccomp profile every
 * tsbuild spec carries (defaultSeccomp gives each process one shared object: a spec carrying
 * that very object has that profile).
 */
interface Ahead {
  readonly limits: ReadonlyMap<string, number>;
  readonly seccomp?: { readonly profile: unknown; readonly cached: Promise<{ key: SeccompKey; filter: string | undefined }> };
}

/** OciDriver runs specs with runc or crun; see createOciDriver. */
class OciDriver implements Driver {
  readonly warnings: readonly string[] = [];
  /** prepared holds what prepare() made for a bundle id until its start takes it: the cgroups (the dirs to join) and the stop of its cgroup warming. */
  private readonly prepared = new Map<string, { readonly join: readonly string[]; readonly stopWarming: () => void }>();
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

  /** hybrid says whether the runtime must not see the cgroup2 mount: crun 1.x refuses hybrid hosts. */
  private get hybrid(): boolean {
    return this.name === "crun" && this.mounts.mode === "hybrid" && this.mounts.unified !== undefined;
  }

  /** base is the runtime's own command line for `args`. */
  private base(args: readonly string[]): string[] {
    const manager = this.selfManaged ? ["--cgroup-manager=disabled"] : [];
    return [this.binary, ...manager, "--root", this.stateRoot, ...args];
  }

  /**
   * command prefixes runtime arguments for the runtime's other commands (state, kill, delete).
   * For crun on a hybrid host it runs in a private mount namespace where the cgroup2 mount is
   * detached, so crun sees a pure v1 host.
   */
  private command(args: readonly string[]): string[] {
    if (!this.hybrid) return this.base(args);
    const script = `umount -n -i ${shellQuote(this.mounts.unified ?? "")} && exec "$@"`;
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", ...this.base(args)];
  }

  /**
   * exists asks the runtime whether container `id` exists, unless its state dir (runc and crun
   * both keep `<root>/<id>`) is missing: then it does not, and no runtime process is spawned.
   */
  private async exists(id: string): Promise<boolean> {
    if (statSync(posix.join(this.stateRoot, id), { throwIfNoEntry: false }) === undefined) return false;
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
   * runtimeRun is the runtime's part of one run. With a memory limit (`memoryLimit`), runc keeps
   * the stopped container (`run --keep`) so the OOM counter of `<rel>/container` can be read
   * before deletion; without one there is no limit whose kills to report, and runc deletes the
   * container itself. crun on v2 reports kills hierarchically, so its parent `<rel>` is read.
   * crun on v1/hybrid runs in `<rel>`, created and limited by tsbuild, with no resources of its own.
   */
  private runtimeRun(bundle: BundleOptions, rel: string, memoryLimit: boolean): RuntimeRun {
    const run = ["run", "--bundle", bundle.dir, bundle.id];
    if (this.selfManaged) return { argv: this.base(run), oomCgroup: rel, linux: (l) => ({ ...l, resources: { devices: [] } }) };
    const cgroupsPath = posix.join(rel, "container");
    const linux = (l: OciSpec["linux"]): Config["linux"] => ({ ...l, cgroupsPath });
    if (this.name === "runc") return { argv: this.base(["run", ...(memoryLimit ? ["--keep"] : []), ...run.slice(1)]), oomCgroup: cgroupsPath, linux };
    return { argv: this.base(run), oomCgroup: rel, linux };
  }

  /** cachedFilter is the compiled form of `seccomp` kept for this runtime (seccomp-cache.ts), if any. */
  private async cachedFilter(seccomp: OciSpec["linux"]["seccomp"]): Promise<{ key: SeccompKey; filter: string | undefined }> {
    const key = await seccompKey(seccomp, this.binary);
    return { key, filter: await readCachedFilter(posix.join(this.stateRoot, ".seccomp-cache"), key) };
  }

  /**
   * withCompiledSeccomp gives crun the compiled form of the config's seccomp profile
   * (seccomp-cache.ts): `cached` when there is one, else compiled by crun now (in a scratch
   * rootfs of its own) and kept for the next run; crun then skips its own compilation. When crun
   * could not compile it, the config goes as it is (crun reports why).
   */
  private async withCompiledSeccomp(config: Config, cached: { key: SeccompKey; filter: string | undefined }, bundle: BundleOptions, rel: string): Promise<Config> {
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
   * configFor is the config.json of `spec` for this runtime: the mount targets made in the rootfs
   * (reached at `rootfs`), rlimits clamped to tsbuild's own hard limits, the cgroup part of `rt`
   * and, for crun, the compiled seccomp filter.
   */
  private async configFor(spec: OciSpec, rootfs: string, rt: RuntimeRun, bundle: BundleOptions, rel: string, ahead?: Ahead): Promise<Config> {
    prepareMountTargets(spec, rootfs);
    return this.configOf(spec, rt, bundle, rel, ahead);
  }

  /** configOf is configFor without the mount targets: what needs no rootfs. */
  private async configOf(spec: OciSpec, rt: RuntimeRun, bundle: BundleOptions, rel: string, ahead?: Ahead): Promise<Config> {
    const config = { ...spec, process: { ...spec.process, rlimits: await clampRlimits(spec.process.rlimits, ahead?.limits) }, linux: rt.linux(spec.linux) };
    if (this.name !== "crun") return config;
    const early = ahead?.seccomp;
    const cached = early !== undefined && spec.linux.seccomp === early.profile ? await early.cached : await this.cachedFilter(spec.linux.seccomp);
    return this.withCompiledSeccomp(config, cached, bundle, rel);
  }

  /** ahead makes the Ahead of a start (see there); a failure to read the filter cache shows when configFor awaits it. */
  private ahead(): Ahead {
    const limits = ownHardLimits();
    if (this.name !== "crun") return { limits };
    const profile = defaultSeccomp(DEFAULT_CAPABILITIES, goArch(process.arch));
    const cached = this.cachedFilter(profile);
    // Awaited by configFor when the spec's profile is this one; otherwise not needed at all.
    cached.catch(() => undefined);
    return { limits, seccomp: { profile, cached } };
  }

  /** hooks are the stop and signal hooks of run `id` for supervise. */
  private hooks(id: string): SuperviseHooks {
    const forward = async (signal: NodeJS.Signals): Promise<void> => {
      await runCommand(this.command(["kill", id, signal]));
    };
    return { killAll: () => this.killAll(id), forward, unwrapLog: this.name === "crun" };
  }

  /** cgroupsFor makes the run's cgroups `rel` where tsbuild manages them and returns the dirs the launcher joins. */
  private cgroupsFor(rel: string, resources: OciSpec["linux"]["resources"] | undefined): string[] {
    return this.selfManaged ? createCgroupSync(this.mounts, rel, resources ?? {}) : [];
  }

  /**
   * prepare makes the cgroups of bundle `id` (where tsbuild manages them), for its start() to
   * take over. (The kernel's switch to fast cgroup moves is started by the start itself, right
   * before its launcher: see there.)
   */
  prepare(id: string, resources: OciSpec["linux"]["resources"]): () => Promise<void> {
    if (!CONTAINER_ID_RE.test(id)) throw new InputError(`container id "${id}" must match ${CONTAINER_ID_RE}`);
    const rel = posix.join("/", this.cgroupParent, id);
    let join: string[];
    try {
      join = this.cgroupsFor(rel, resources);
    } catch {
      // Nothing is prepared: the start makes the cgroups itself, meets the same failure and
      // reports it (removing what it made); the release removes what this made meanwhile.
      return () => removeCgroupTree(this.mounts, rel);
    }
    // The cgroup warming (see start) begins as soon as the cgroups exist: its first move waits
    // out the RCU grace period that the launcher's joins would otherwise wait for.
    this.prepared.set(id, { join, stopWarming: warmCgroupAttach(this.mounts) });
    return async () => {
      const untaken = this.prepared.get(id);
      // Taken by a start, whose own cleanup stops the warming and removes the cgroups.
      if (!untaken) return;
      this.prepared.delete(id);
      untaken.stopWarming();
      await removeCgroupTree(this.mounts, rel);
    };
  }

  async run(spec: OciSpec, bundle: BundleOptions, io: RunIo): Promise<RunResult> {
    return this.start({ rootfs: spec.root.path, resources: spec.linux.resources, terminal: spec.process.terminal, spec: async () => spec }, bundle, io);
  }

  async launch(req: LaunchRequest, bundle: BundleOptions, io: RunIo): Promise<RunResult> {
    const specAhead = req.specAhead?.bind(req);
    return this.start({ rootfs: req.overlay.target, overlay: req.overlay, resources: req.resources, terminal: req.terminal, ...(req.ahead && { ahead: () => req.ahead?.() }), ...(specAhead && { specAhead }), spec: (view) => req.spec(view) }, bundle, io);
  }

  /**
   * start runs one container: makes the runtime's state dir and, where tsbuild manages them, the
   * run's cgroups, then starts the runtime through the launcher (launcher.ts) when anything is to
   * be done before it (the overlay to mount, cgroups to join, the cgroup2 mount to hide), else
   * directly. Afterwards it deletes what the runtime left and removes the cgroups.
   */
  private async start(req: Start, bundle: BundleOptions, io: RunIo): Promise<RunResult> {
    if (!CONTAINER_ID_RE.test(bundle.id)) throw new InputError(`container id "${bundle.id}" must match ${CONTAINER_ID_RE}`);
    const rel = posix.join("/", this.cgroupParent, bundle.id);
    const rt = this.runtimeRun(bundle, rel, req.resources?.memory?.limit !== undefined);
    let links: string | undefined;
    const prepared = this.prepared.get(bundle.id);
    this.prepared.delete(bundle.id);
    // Taken over with the cgroups: stopped by this start's cleanup, whatever fails before the launcher.
    let stopWarming = prepared?.stopWarming ?? ((): void => undefined);
    try {
      mkdirSync(this.stateRoot, { recursive: true, mode: 0o700 });
      const join = prepared?.join ?? this.cgroupsFor(rel, req.resources);
      const overlay = req.overlay === undefined ? undefined : { ...overlayLinksSync(req.overlay), target: req.overlay.target };
      links = overlay?.cwd;
      const detach = this.hybrid ? this.mounts.unified : undefined;
      const base = { runtime: rt.argv, privateMounts: overlay !== undefined || detach !== undefined, join, ...(overlay && { overlay }), ...(detach !== undefined && { detach }) };
      // The native launcher makes its mounts itself; the shell one with one `mount -a` of a table
      // (the overlay, and a tmpfs that hides the cgroup2 mount: launcher.ts).
      const native = nativeLauncher();
      const table = native === undefined ? mountTableOf(base) : undefined;
      let mountTable: string | undefined;
      if (table !== undefined) writeFileSync((mountTable = posix.join(bundle.dir, "mounts.fstab")), table, { mode: 0o600 });
      const plan = { ...base, ...(mountTable !== undefined && { mountTable }), ...(native !== undefined && { native }) };
      // The first cgroup move after a pause waits for an RCU grace period (the kernel's switch to
      // fast moves, 5-12 ms here) while it holds the cgroup mutex: the warming prepare() started
      // right after its mkdirs (or, without a prepare, one started now, right before the
      // launcher) is that move, and the launcher's joins wait only for the rest of its grace
      // period. Not before the mkdirs, which would wait on the mutex. (With the native launcher,
      // which reaches its joins 0.5 ms after it starts, the joins still wait for part of it:
      // starting the warming at prepare instead of here measured -0.55 ms in 200 pairs.)
      stopWarming = prepared?.stopWarming ?? warmCgroupAttach(this.mounts);
      // Where tsbuild joins the cgroups (the launcher, before it reads `go`), no move follows the go-ahead: the warming ends then.
      const afterGo = join.length > 0 ? () => stopWarming() : undefined;
      const done = plan.privateMounts || join.length > 0 ? await this.throughLauncher(req, plan, rt, bundle, io, rel, afterGo) : await this.direct(req, rt, bundle, io, rel);
      return runResultOf(done, (await readOomKills(this.mounts, rt.oomCgroup)) > 0);
    } finally {
      stopWarming();
      if (links !== undefined) removeLinksSync(links);
      await this.destroy(bundle.id);
      await removeCgroupTree(this.mounts, rel);
    }
  }

  /** direct writes the config and runs the runtime itself (nothing to do before it). */
  private async direct(req: Start, rt: RuntimeRun, bundle: BundleOptions, io: RunIo, rel: string): Promise<Supervised> {
    const real = realpathSync(req.rootfs);
    const config = await this.configFor(await req.spec({ path: real, shown: real }), real, rt, bundle, rel);
    writeFileSync(posix.join(bundle.dir, "config.json"), JSON.stringify(config));
    // A terminal run shares the caller's streams: the runtime relays its own terminal to the container's.
    return (req.terminal ? superviseTerminal : supervise)(rt.argv, io, this.hooks(bundle.id));
  }

  /**
   * throughLauncher starts the launcher of `plan`, builds and writes the config while it mounts
   * and joins (reading the rootfs through /proc/<launcher>/root when it mounts the overlay), then
   * lets it exec the runtime. A stop before that ends the launcher, and nothing starts. Rejects
   * with RootfsMountError when the overlay cannot be mounted.
   */
  private async throughLauncher(req: Start, plan: LauncherPlan, rt: RuntimeRun, bundle: BundleOptions, io: RunIo, rel: string, afterGo?: () => void): Promise<Supervised> {
    let hs: Handshake | undefined;
    let pid: number | undefined;
    const hooks = this.hooks(bundle.id);
    const stop = async (child: number | undefined): Promise<void> => {
      if (hs?.goneAhead === true) return hooks.killAll(child);
      hs?.abort();
      if (child !== undefined) process.kill(child, "SIGKILL");
    };
    // The C locale: unshare, mount and umount then load no locale files (C.UTF-8's are a dozen).
    const env = { ...process.env, LC_ALL: "C" };
    const spawned = { control: true, native: plan.native !== undefined, env, onSpawn: (c: SpawnedChild) => ((pid = c.pid), (hs = new Handshake(c))) };
    const argv = plan.native !== undefined ? nativeLauncherArgv(plan, plan.native) : launcherArgv(plan);
    const running = req.terminal ? superviseTerminal(argv, io, { ...hooks, killAll: stop }, spawned) : supervise(argv, io, { ...hooks, killAll: stop }, undefined, spawned);
    const launcher = hs as Handshake | undefined;
    if (!launcher) return running;
    try {
      await this.writeBundle(launcher, pid, req, plan, rt, bundle, rel);
      launcher.go();
      afterGo?.();
    } catch (err) {
      launcher.abort();
      let spawnError: unknown;
      const ended = await running.catch((e: unknown) => void (spawnError = e));
      if (ended?.aborted === true || ended?.timedOut === true) return ended;
      throw spawnError ?? err;
    }
    const done = await running;
    await launcher.closed;
    if (!launcher.started && !done.aborted && !done.timedOut) throw new TsbuildError("Runtime", `starting ${this.name} failed: ${launcher.errorText() || `its launcher exited with ${done.status}`}`);
    return done;
  }

  /**
   * writeBundle waits until `launcher` (process `pid`) has mounted the rootfs, then builds the
   * spec and writes the config.json, reading the rootfs through the launcher's root when the
   * overlay exists only in its mount namespace.
   */
  private async writeBundle(launcher: Handshake, pid: number | undefined, req: Start, plan: LauncherPlan, rt: RuntimeRun, bundle: BundleOptions, rel: string): Promise<void> {
    // While the launcher starts and mounts (several milliseconds): what needs no rootfs.
    req.ahead?.();
    const ahead = this.ahead();
    // A spec that needs nothing from the rootfs is made now, with its config, while the launcher mounts.
    const early = await req.specAhead?.();
    const text = early && JSON.stringify(await this.configOf(early.spec, rt, bundle, rel, ahead));
    await launcher.mounted.catch((err: Error) => {
      throw plan.overlay ? new RootfsMountError(`mounting the overlay at ${plan.overlay.target} failed: ${err.message}`) : new TsbuildError("Runtime", `starting ${this.name} failed: ${err.message}`);
    });
    // The mount is made: its links dir goes now, while the launcher joins the cgroups.
    if (plan.overlay?.cwd !== undefined) removeLinksSync(plan.overlay.cwd);
    const real = plan.overlay?.target ?? realpathSync(req.rootfs);
    const view = { path: plan.overlay ? `/proc/${pid}/root${real}` : real, shown: real };
    let config: string;
    if (early !== undefined && text !== undefined) {
      if (!(await early.settle(view))) prepareMountTargets(early.spec, view.path);
      config = text;
    } else config = JSON.stringify(await this.configFor(await req.spec(view), view.path, rt, bundle, rel, ahead));
    writeFileSync(posix.join(bundle.dir, "config.json"), config);
  }


  async exec(id: string, argv: readonly string[], io: RunIo, options?: ExecOptions): Promise<RunResult> {
    if (!CONTAINER_ID_RE.test(id)) throw new InputError(`container id "${id}" must match ${CONTAINER_ID_RE}`);
    if (!(await this.exists(id))) throw new InputError(`container ${id} is not running`);
    const tty = options?.tty === true;
    const hooks = {
      unwrapLog: this.name === "crun",
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
    const { bundle, config } = await this.running(id);
    const file = posix.join(bundle, `exec-${randomBytes(6).toString("hex")}.json`);
    await fs.writeFile(file, JSON.stringify(execProcess(config.process, argv, options)), { mode: 0o600 });
    return file;
  }

  /** running reads the runtime's state of running container `id`: its bundle, its config.json and its init's pid. */
  private async running(id: string): Promise<{ bundle: string; config: OciSpec; pid: number }> {
    const state = await runCommand(this.command(["state", id]));
    if (state.code !== 0) throw new InputError(`container ${id} is not running: ${state.stderr.trim()}`);
    const { bundle, pid } = JSON.parse(state.stdout) as { bundle?: unknown; pid?: unknown };
    if (typeof bundle !== "string" || typeof pid !== "number") throw new TsbuildError("Runtime", `${this.name} state ${id} names no bundle or pid`);
    const config = JSON.parse(await fs.readFile(posix.join(bundle, "config.json"), "utf8")) as OciSpec;
    return { bundle, config, pid };
  }

  /**
   * rootView is the rootfs of running container `id` as its runtime mounted it: reached through
   * the root of the runtime process (the parent of the container's init), whose mount namespace
   * holds the overlay when the launcher mounted it.
   */
  async rootView(id: string): Promise<RootView> {
    const { config, pid } = await this.running(id);
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isInteger(ppid) || ppid <= 0) throw new TsbuildError("Runtime", `cannot read the parent of process ${pid} of container ${id}`);
    return { path: `/proc/${ppid}/root${config.root.path}`, shown: config.root.path };
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
