/**
 * launchContainer runs a recorded container in the calling process (its supervisor): mounts the
 * writable layer over the image, runs the driver, tees output into the container's log, serves
 * signal requests, records the exit and unmounts. Both a foreground `run` and `start` use it;
 * it loads no image parser or build code, so a container starts fast.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { Writable, type Readable } from "node:stream";
import { TsbuildError } from "../core/errors.js";
import { CONTROL_SIGNAL, takeRequests } from "../runtime/container/control.js";
import { bundleIdOf, containerPaths, removeContainerDir, updateState, type ContainerState } from "../runtime/container/state.js";
import type { Driver, RunIo, RunResult, SignalSource } from "../runtime/driver.js";
import { resolveInRoot } from "../runtime/confined.js";
import { missingEtcTargets, removeEtcStubs, writeEtcFiles } from "../runtime/etc-files.js";
import { mountSnapshot, type Snapshot } from "../runtime/snapshot.js";
import { buildSpec } from "../runtime/spec.js";
import { settled } from "../runtime/settled.js";
import { resolveUser } from "../runtime/user.js";
import type { Where } from "./container-shared.js";

/** LaunchIo is the caller's side of a launch: streams (all optional: a detached run has none) and stop requests. */
export interface LaunchIo {
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  readonly stdin?: Readable;
  /** signals are forwarded to the container; CONTROL_SIGNAL (SIGUSR2) makes the supervisor read signal requests. */
  readonly signals?: SignalSource;
  /** signal kills the container (SIGKILL) when aborted. */
  readonly signal?: AbortSignal;
}

/** tee writes every chunk to the log and, when given, to `out` (never ending `out`). */
function tee(log: WriteStream, out: Writable | undefined): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      log.write(chunk);
      if (out) out.write(chunk, () => done());
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

/**
 * runMounted mounts the container's root filesystem, runs it with `driver` and unmounts;
 * `markRunning` records the start first and `tty` gives the container a terminal. Steps that do
 * not depend on each other run at once: the /etc files are written while the rootfs mounts, and
 * the user, the working directory and the /etc targets are looked up together.
 */
async function runMounted(where: Where, s: ContainerState, lowers: readonly string[], driver: Driver, io: RunIo, markRunning: boolean, tty: boolean): Promise<RunResult> {
  const p = containerPaths(where.root, s.id);
  const r = s.run;
  const discard = s.autoRemove === true;
  // /etc/hosts, /etc/resolv.conf and /etc/hostname live in the container's dir (removed with it), written afresh at each start.
  const [mounted, etc] = await Promise.allSettled([mountRootfs(lowers, p, discard), writeEtcFiles(p.dir, r.hostname, r.network)]);
  if (mounted.status === "rejected") throw mounted.reason;
  const snap = mounted.value;
  if (etc.status === "rejected") {
    await snap.release();
    throw etc.reason;
  }
  const etcFiles = etc.value;
  try {
    const [user, , stubs] = await settled<[Awaited<ReturnType<typeof resolveUser>>, unknown, string[]]>([resolveUser(snap.target, r.user), resolveInRoot(snap.target, r.cwd, "dir"), missingEtcTargets(snap.target)]);
    // With a terminal, TERM defaults to xterm as in Docker.
    const env = tty && !r.env.some((e) => e.startsWith("TERM=")) ? [...r.env, "TERM=xterm"] : r.env;
    const spec = buildSpec({ rootfs: snap.target, argv: s.argv, env, cwd: r.cwd, user, hostname: r.hostname, mounts: r.mounts, network: r.network, limits: r.limits, tty, readonlyRootfs: r.readOnly, etcFiles });
    if (markRunning) await updateState(where.root, s.id, () => ({ status: "running", started: new Date().toISOString(), driver: driver.name as ContainerState["driver"] }));
    const result = await driver.run(spec, { dir: p.bundle, id: bundleIdOf(s.id) }, io);
    // A discarded layer keeps no stubs anyway.
    if (!discard) await removeEtcStubs(snap.target, stubs);
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
  const log = createWriteStream(containerPaths(where.root, s.id).log, { flags: "a" });
  const logErrors: unknown[] = [];
  log.on("error", (err) => logErrors.push(err));
  let result: RunResult | undefined;
  let failure: unknown;
  try {
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
  const problem = ctl.errors.length > 0 ? `reading signal requests failed: ${errorText(ctl.errors[0])}` : logErrors.length > 0 ? `writing the log failed: ${errorText(logErrors[0])}` : undefined;
  await recordExit(where, s, result, failure, problem);
  if (!result) throw failure;
  return result;
}
