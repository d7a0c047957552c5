/**
 * launchContainer runs a recorded container in the calling process (its supervisor): mounts the
 * writable layer over the image, runs the driver, tees output into the container's log, serves
 * signal requests, records the exit and unmounts. Both a foreground `run` and `start` use it;
 * it loads no image parser or build code, so a container starts fast.
 */
import { readdirSync, realpathSync } from "node:fs";
import { Writable, type Readable } from "node:stream";
import { appendFile } from "../core/append-file.js";
import { TsbuildError } from "../core/errors.js";
import { CONTROL_SIGNAL, takeRequests } from "../runtime/container/control.js";
import { bundleIdOf, containerPaths, removeContainerDir, updateState, type ContainerState } from "../runtime/container/state.js";
import { RootfsMountError, type Driver, type RunIo, type RunResult, type SignalSource, type SpecAhead } from "../runtime/driver.js";
import { resolveInRootSync, type RootView } from "../runtime/confined.js";
import { missingEtcTargets, removeEtcStubs, writeEtcFiles } from "../runtime/etc-files.js";
import { mountSnapshot, type Snapshot } from "../runtime/snapshot.js";
import type { OciSpec } from "../runtime/oci-types.js";
import { expandOpaqueDirs } from "../runtime/opaque.js";
import { buildSpec, specResources } from "../runtime/spec.js";
import type { EtcFiles } from "../runtime/spec-input.js";
import { factsKey, rootfsFacts } from "../runtime/rootfs-facts.js";
import { resolveUser, userWithoutRootfs, type ResolvedUser } from "../runtime/user.js";
import { cachedFacts, recordFacts } from "./run-facts.js";
import type { Where } from "./container-shared.js";

/**
 * LaunchIo is the caller's side of a launch: streams (all optional: a detached run has none) and
 * stop requests. A stdout or stderr that fails (its reader went away) closes the container's end
 * of that pipe: the container meets the broken pipe, and the launch ends as usual.
 */
export interface LaunchIo {
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  readonly stdin?: Readable;
  /** signals are forwarded to the container; CONTROL_SIGNAL (SIGUSR2) makes the supervisor read signal requests. */
  readonly signals?: SignalSource;
  /** signal kills the container (SIGKILL) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * tee writes every chunk to the log and, when given, to `out` (never ending `out`). When `out`
 * fails (its reader went away: EPIPE), the tee fails with it, and the supervisor then closes the
 * container's end of that pipe (supervise.ts), as a pipeline would.
 */
function tee(log: Writable, out: Writable | undefined): Writable {
  let broken: Error | undefined;
  out?.on("error", (err: Error) => (broken ??= err));
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      log.write(chunk);
      if (out) out.write(chunk, (err) => done(err ?? broken ?? null));
      else done();
    },
  });
}

/**
 * Control is a supervisor's stop side: `signal` aborts the run (a SIGKILL request), `signals`
 * delivers the caller's signals and the container's signal requests, `errors` collects failures
 * to read requests, `stop` unsubscribes.
 */
export interface Control {
  readonly signal: AbortSignal;
  readonly signals: SignalSource;
  readonly errors: unknown[];
  /** attach names the container's signals dir; a request that arrived before is served then. */
  attach(signalsDir: string): void;
  stop(): void;
}

/**
 * controlled subscribes to the caller's signals at once, before the supervisor's pid is recorded
 * anywhere (a request may follow at once, and an unhandled SIGUSR2 would end the process).
 */
export function controlled(source: SignalSource | undefined, outer: AbortSignal | undefined): Control {
  const errors: unknown[] = [];
  const abort = new AbortController();
  if (outer?.aborted) abort.abort();
  outer?.addEventListener("abort", () => abort.abort(), { once: true });
  const listeners = new Set<(s: NodeJS.Signals) => void>();
  const deliver = (s: NodeJS.Signals): void => {
    if (s === "SIGKILL") abort.abort();
    else for (const l of listeners) l(s);
  };
  let dir: string | undefined;
  let pending = false;
  const take = (): void => {
    if (dir === undefined) pending = true;
    else takeRequests(dir).then((list) => list.forEach(deliver), (err: unknown) => errors.push(err));
  };
  const unsubscribe = source?.subscribe((sig) => (sig === CONTROL_SIGNAL ? take() : deliver(sig)));
  const attach = (signalsDir: string): void => {
    dir = signalsDir;
    if (pending) (pending = false), take();
  };
  return { signal: abort.signal, signals: { subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) }, errors, attach, stop: () => unsubscribe?.() };
}

/**
 * mountRootfs mounts the container's writable layer over `lowers` at its merged dir: overlayfs
 * at once, and only when that fails the probing mount (which falls back to a copy where
 * overlayfs is missing), so the common start spawns no probe.
 */
async function mountRootfs(lowers: readonly string[], p: ReturnType<typeof containerPaths>, discard: boolean): Promise<Snapshot> {
  // An auto-remove container's writable layer goes with it: releasing it need not make it a layer.
  const o = { lowers, upper: p.upper, work: p.work, target: p.merged, discard };
  try {
    return await mountSnapshot({ ...o, mode: "overlay" });
  } catch (err) {
    if (!(err instanceof TsbuildError)) throw err;
    return mountSnapshot(o);
  }
}

/** Prepared is a container's spec over its mounted rootfs, and the /etc stubs the runtime will make in it. */
interface Prepared {
  readonly spec: OciSpec;
  readonly stubs: string[];
}

/** writeEtcFilesOf writes container `s`'s /etc/hosts, /etc/resolv.conf and /etc/hostname into its dir (removed with it), afresh at each start. */
function writeEtcFilesOf(where: Where, s: ContainerState): Promise<EtcFiles> {
  return writeEtcFiles(containerPaths(where.root, s.id).dir, s.run.hostname, s.run.network);
}

/** StartOptions are how a container starts: its driver, whether it has a terminal, and whether the start is recorded (markRunning). */
interface StartOptions {
  readonly driver: Driver;
  readonly tty: boolean;
  readonly markRunning: boolean;
}

/** specOf builds the spec of container `s` over `specRoot` for its resolved `user`, with its /etc files `etcFiles`. */
function specOf(s: ContainerState, start: StartOptions, specRoot: string, user: ResolvedUser, etcFiles: EtcFiles): OciSpec {
  const r = s.run;
  // With a terminal, TERM defaults to xterm as in Docker.
  const env = start.tty && !r.env.some((e) => e.startsWith("TERM=")) ? [...r.env, "TERM=xterm"] : r.env;
  return buildSpec({ rootfs: specRoot, argv: s.argv, env, cwd: r.cwd, user, hostname: r.hostname, mounts: r.mounts, network: r.network, limits: r.limits, tty: start.tty, readonlyRootfs: r.readOnly, etcFiles });
}

/** settleRootfs does what the spec of container `s` needs in its rootfs at `rootfs` (its working directory, made if missing) and returns the /etc targets missing there. */
async function settleRootfs(s: ContainerState, rootfs: string): Promise<string[]> {
  resolveInRootSync(rootfs, s.run.cwd, "dir");
  return missingEtcTargets(rootfs);
}

/** markStarted records the start of container `s` when `start` says so. */
async function markStarted(where: Where, s: ContainerState, start: StartOptions): Promise<void> {
  if (start.markRunning) await updateState(where.root, s.id, () => ({ status: "running", started: new Date().toISOString(), driver: start.driver.name as ContainerState["driver"] }));
}

/**
 * prepareSpec writes the container's /etc files (unless `written` has them), reads what the spec of container `s` needs from
 * its rootfs at `rootfs` (the user, the working directory, the /etc targets; `view` when it is
 * reached through another mount namespace, `rootfs` then being that path) and builds the spec
 * with `root.path` = `specRoot`; `markRunning` records the start.
 */
async function prepareSpec(where: Where, s: ContainerState, start: StartOptions, rootfs: string, specRoot: string, view?: RootView, written?: Promise<EtcFiles>): Promise<Prepared> {
  const etcFiles = await (written ?? writeEtcFilesOf(where, s));
  const user = await resolveUser(rootfs, s.run.user, view);
  const stubs = await settleRootfs(s, rootfs);
  const spec = specOf(s, start, specRoot, user, etcFiles);
  await markStarted(where, s, start);
  return { spec, stubs };
}

/**
 * launchMounted runs container `s` with a driver that mounts the overlay itself (Driver.launch:
 * in the runtime's own mount namespace, so nothing is left to unmount). Afterwards a kept
 * writable layer loses its /etc stubs and gets its opaque directories rewritten, as a released
 * snapshot's does. Resolves undefined when the overlay cannot be mounted (nothing ran).
 */
async function launchMounted(where: Where, s: ContainerState, lowers: readonly string[], launch: NonNullable<Driver["launch"]>, start: StartOptions, io: RunIo): Promise<RunResult | undefined> {
  const p = containerPaths(where.root, s.id);
  const target = realpathSync(p.merged);
  let stubs: string[] = [];
  let written: Promise<EtcFiles> | undefined;
  // While the driver mounts the rootfs: the /etc files, which need none.
  const ahead = (): void => {
    written = writeEtcFilesOf(where, s);
    written.catch(() => undefined); // awaited by spec(), which reports a failure
  };
  const spec = async (view: RootView): Promise<OciSpec> => {
    const prepared = await prepareSpec(where, s, start, view.path, target, view, written);
    stubs = prepared.stubs;
    return prepared.spec;
  };
  // A user that needs no /etc/passwd (root, the usual): the whole spec is made while the rootfs
  // is mounted, and only the working directory and the /etc targets wait for the mount. A new
  // container of an image in one lower dir whose rootfs facts are recorded (run-facts.ts) does
  // not even wait for those: the image cannot have changed since they were checked.
  let unrecorded: { readonly key: string; readonly lower: string; readonly spec: OciSpec } | undefined;
  const specAhead = async (): Promise<SpecAhead | undefined> => {
    const user = userWithoutRootfs(s.run.user);
    if (user === undefined) return undefined;
    const made = specOf(s, start, target, user, await (written ?? writeEtcFilesOf(where, s)));
    const lower = lowers.length === 1 && readdirSync(p.upper).length === 0 ? lowers[0] : undefined;
    const key = lower === undefined ? undefined : factsKey(made, s.run.cwd);
    const known = key === undefined ? undefined : cachedFacts(where.storeRoot, s.imageDigest, key);
    const settle = async (view: RootView): Promise<boolean> => {
      if (known === undefined && lower !== undefined && key !== undefined) unrecorded = { key, lower, spec: made };
      stubs = known ?? (await settleRootfs(s, view.path));
      await markStarted(where, s, start);
      return known !== undefined;
    };
    return { spec: made, settle };
  };
  const req = { overlay: { lowers, upper: p.upper, work: p.work, target }, resources: specResources(s.run.limits), terminal: start.tty, ahead, specAhead, spec };
  let result: RunResult;
  try {
    result = await launch(req, { dir: p.bundle, id: bundleIdOf(s.id) }, io);
  } catch (err) {
    if (err instanceof RootfsMountError) return undefined;
    throw err;
  }
  if (unrecorded !== undefined) recordRootfsFacts(where, s, unrecorded);
  if (s.autoRemove !== true) {
    await removeEtcStubs(p.upper, stubs);
    await expandOpaqueDirs(p.upper, lowers);
  }
  return result;
}

/**
 * recordRootfsFacts records the rootfs facts of the image of container `s` (which has just run,
 * its rootfs checked through the mount) for later starts: read from the image's lower dir, off
 * the start's path. Only a cache: a failure to check or write leaves later starts reading the
 * rootfs as this one did.
 */
function recordRootfsFacts(where: Where, s: ContainerState, at: { readonly key: string; readonly lower: string; readonly spec: OciSpec }): void {
  try {
    const facts = rootfsFacts(at.spec, s.run.cwd, at.lower);
    if (facts !== undefined) recordFacts(where.storeRoot, s.imageDigest, at.key, facts);
  } catch (err) {
    // A full disk, a store dir removed meanwhile: later starts read the rootfs, as this one did.
    if (typeof (err as NodeJS.ErrnoException).code !== "string") throw err;
  }
}

/**
 * runMounted runs container `s` with `driver` on its root filesystem and resolves with how it ended; `markRunning` records the start first and `tty` gives the container
 * a terminal. A driver that mounts the overlay itself does (launchMounted); otherwise, or when
 * the overlay cannot be mounted there, the rootfs is mounted here (a copy where overlayfs is
 * missing) and unmounted afterwards.
 */
async function runMounted(where: Where, s: ContainerState, lowers: readonly string[], driver: Driver, io: RunIo, markRunning: boolean, tty: boolean): Promise<RunResult> {
  const p = containerPaths(where.root, s.id);
  const discard = s.autoRemove === true;
  const start = { driver, tty, markRunning };
  if (driver.launch) {
    const result = await launchMounted(where, s, lowers, driver.launch.bind(driver), start, io);
    if (result) return result;
  }
  const snap = await mountRootfs(lowers, p, discard);
  try {
    const prepared = await prepareSpec(where, s, start, snap.target, snap.target);
    const result = await driver.run(prepared.spec, { dir: p.bundle, id: bundleIdOf(s.id) }, io);
    // A discarded layer keeps no stubs anyway.
    if (!discard) await removeEtcStubs(snap.target, prepared.stubs);
    return result;
  } finally {
    await snap.release();
  }
}

/** errorText is the message of an error value. */
function errorText(err: unknown): string {
  return String((err as Error)?.message ?? err);
}

/**
 * LaunchOptions: the caller's streams, its Control (attached to the container), and `markRunning`
 * to record the start (a state that already says "running" needs no second write).
 */
export interface LaunchOptions {
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  readonly stdin?: Readable;
  readonly ctl: Control;
  readonly markRunning: boolean;
  /**
   * tty gives the container a terminal: the streams must then be the caller's terminal (fd-backed)
   * and are handed to the runtime as they are, so the output is not copied into the log.
   */
  readonly tty?: boolean;
}

/**
 * recordExit records how container `s` ended (`result`, or `failure` when it could not start,
 * with `problem` noting a failure of the supervisor's own bookkeeping), or removes an
 * auto-remove container.
 */
export async function recordExit(where: Where, s: ContainerState, result: RunResult | undefined, failure: unknown, problem?: string): Promise<void> {
  if (s.autoRemove) return removeContainerDir(where.root, s);
  const ended = { status: "exited" as const, finished: new Date().toISOString(), pid: undefined, pidStart: undefined };
  const outcome = result ? { exitCode: result.exitCode, ...(problem !== undefined && { error: problem }) } : { exitCode: 125, error: errorText(failure) };
  await updateState(where.root, s.id, () => ({ ...ended, ...outcome }));
}

/**
 * launchContainer runs container `s` (recorded with this process as its supervisor) on the image
 * layers `lowers` and resolves with how it ended. The exit is recorded (recordExit). Rejects
 * (recording the error) when it cannot start. Ends `opts.ctl`.
 */
export async function launchContainer(where: Where, s: ContainerState, lowers: readonly string[], driver: Driver, opts: LaunchOptions): Promise<RunResult> {
  const ctl = opts.ctl;
  let result: RunResult | undefined;
  let failure: unknown;
  let release: (() => Promise<void>) | undefined;
  const log = appendFile(containerPaths(where.root, s.id).log);
  const logErrors: unknown[] = [];
  log.on("error", (err) => logErrors.push(err));
  try {
    // First of all: the driver makes ahead what the start needs (cgroups) while the rest is set up.
    release = driver.prepare?.(bundleIdOf(s.id), specResources(s.run.limits));
    // Deviation: the output of a container with a terminal reaches the caller's terminal only, not the log.
    const direct = opts.tty === true && opts.stdout && opts.stderr ? { stdout: opts.stdout, stderr: opts.stderr } : undefined;
    const out = direct ?? { stdout: tee(log, opts.stdout), stderr: tee(log, opts.stderr) };
    const io: RunIo = { ...out, signal: ctl.signal, signals: ctl.signals, ...(opts.stdin && { stdin: opts.stdin }) };
    result = await runMounted(where, s, lowers, driver, io, opts.markRunning, direct !== undefined);
  } catch (err) {
    failure = err;
  } finally {
    ctl.stop();
    await new Promise<void>((resolve) => (log.destroyed ? resolve() : log.end(resolve)));
  }
  // What the start took over it removed itself; this removes what no start took (it failed before).
  const unreleased = await release?.().then(
    () => undefined,
    (err: unknown) => err,
  );
  const problem = ctl.errors.length > 0 ? `reading signal requests failed: ${errorText(ctl.errors[0])}` : logErrors.length > 0 ? `writing the log failed: ${errorText(logErrors[0])}` : unreleased !== undefined ? `removing its cgroups failed: ${errorText(unreleased)}` : undefined;
  await recordExit(where, s, result, failure, problem);
  if (!result) throw failure;
  return result;
}
