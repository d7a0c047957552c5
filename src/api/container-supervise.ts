/**
 * Starting a container. superviseContainer runs it in the calling process (the supervisor):
 * mounts the writable layer over the image, runs the driver, tees output into the container's
 * log, serves signal requests, records the exit and unmounts. startDetached runs that
 * supervisor as a separate process in its own session, so the container outlives the caller.
 */
import { spawn } from "node:child_process";
import { closeSync, createWriteStream, openSync, type WriteStream } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { Writable, type Readable } from "node:stream";
import type { Digest } from "../core/digest.js";
import { InputError, TsbuildError } from "../core/errors.js";
import { baseImage } from "../executor/ops/runner.js";
import { CONTROL_SIGNAL, takeRequests } from "../runtime/container/control.js";
import { bundleIdOf, containerPaths, ownIdentity, readState, removeContainerDir, updateState, type ContainerState } from "../runtime/container/state.js";
import type { Driver, RunIo, RunResult, SignalSource } from "../runtime/driver.js";
import { mountSnapshot } from "../runtime/snapshot.js";
import { buildSpec } from "../runtime/spec.js";
import { resolveInRoot } from "../runtime/confined.js";
import { resolveUser } from "../runtime/user.js";
import { openStore } from "../store/store.js";
import { isActive, lookup, whereOf, type ContainerScope, type Where } from "./container-shared.js";
import { createServices, pickDriver } from "./services.js";

/** SuperviseOptions: the container (name or id) and, for an attached start, the caller's streams. */
export interface SuperviseOptions extends ContainerScope {
  readonly container: string;
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

/** controlled turns the caller's signals plus the container's signal requests into RunIo fields. */
function controlled(signalsDir: string, source: SignalSource | undefined, outer: AbortSignal | undefined): { signal: AbortSignal; signals: SignalSource; stop: () => void; errors: unknown[] } {
  const errors: unknown[] = [];
  const abort = new AbortController();
  if (outer?.aborted) abort.abort();
  outer?.addEventListener("abort", () => abort.abort(), { once: true });
  const listeners = new Set<(s: NodeJS.Signals) => void>();
  const deliver = (s: NodeJS.Signals): void => {
    if (s === "SIGKILL") abort.abort();
    else for (const l of listeners) l(s);
  };
  const stop = source?.subscribe((sig) => {
    if (sig !== CONTROL_SIGNAL) return deliver(sig);
    takeRequests(signalsDir).then((list) => list.forEach(deliver), (err: unknown) => errors.push(err));
  });
  return { signal: abort.signal, signals: { subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) }, stop: () => stop?.(), errors };
}

/** runMounted mounts the container's root filesystem, runs it with `driver` and unmounts. */
async function runMounted(where: Where, s: ContainerState, driver: Driver, io: RunIo): Promise<RunResult> {
  const p = containerPaths(where.root, s.id);
  const store = openStore(where.storeRoot);
  try {
    const services = await createServices(store, undefined, { runtime: s.run.runtime });
    const base = await baseImage(services, s.imageDigest as Digest);
    const snap = await mountSnapshot({ lowers: base.layers.map((l) => l.dir), upper: p.upper, work: p.work, target: p.merged });
    try {
      const user = await resolveUser(snap.target, s.run.user);
      await resolveInRoot(snap.target, s.run.cwd, "dir");
      const r = s.run;
      const spec = buildSpec({ rootfs: snap.target, argv: s.argv, env: r.env, cwd: r.cwd, user, hostname: r.hostname, mounts: r.mounts, network: r.network, limits: r.limits, tty: false, readonlyRootfs: r.readOnly });
      await updateState(where.root, s.id, () => ({ status: "running", started: new Date().toISOString(), driver: driver.name as ContainerState["driver"] }));
      return await driver.run(spec, { dir: p.bundle, id: bundleIdOf(s.id) }, io);
    } finally {
      await snap.release();
    }
  } finally {
    store.close();
  }
}

/**
 * superviseContainer starts a created or exited container in this process and resolves when it
 * exited, with how it ended; the exit is recorded in its state, and an auto-remove container is
 * removed. Rejects (recording the error) when it cannot start.
 */
export async function superviseContainer(opts: SuperviseOptions): Promise<RunResult> {
  const where = whereOf(opts);
  const s = await lookup(where, opts.container);
  if (isActive(s)) throw new InputError(`container ${s.name} is already running`);
  const p = containerPaths(where.root, s.id);
  // Listen before the pid is recorded: a signal request may follow at once.
  const ctl = controlled(p.signals, opts.signals, opts.signal);
  const log = createWriteStream(p.log, { flags: "a" });
  const logErrors: unknown[] = [];
  log.on("error", (err) => logErrors.push(err));
  let result: RunResult | undefined;
  let failure: unknown;
  try {
    const me = await ownIdentity();
    await updateState(where.root, s.id, () => ({ status: "created", pid: me.pid, pidStart: me.pidStart, error: undefined, exitCode: undefined, finished: undefined }));
    const driver = await pickDriver(s.run.runtime, `${where.storeRoot}/runtime`);
    const io: RunIo = { stdout: tee(log, opts.stdout), stderr: tee(log, opts.stderr), signal: ctl.signal, signals: ctl.signals, ...(opts.stdin && { stdin: opts.stdin }) };
    result = await runMounted(where, s, driver, io);
  } catch (err) {
    failure = err;
  } finally {
    ctl.stop();
    await new Promise<void>((resolve) => (log.destroyed ? resolve() : log.end(resolve)));
  }
  const ended = { status: "exited" as const, finished: new Date().toISOString(), pid: undefined, pidStart: undefined };
  const problem = ctl.errors.length > 0 ? `reading signal requests failed: ${String((ctl.errors[0] as Error)?.message ?? ctl.errors[0])}` : logErrors.length > 0 ? `writing the log failed: ${String((logErrors[0] as Error)?.message ?? logErrors[0])}` : undefined;
  const ctlError = problem === undefined ? {} : { error: problem };
  const final = await updateState(where.root, s.id, () => (result ? { ...ended, ...ctlError, exitCode: result.exitCode } : { ...ended, exitCode: 125, error: String((failure as Error)?.message ?? failure) }));
  if (final.autoRemove) await removeContainerDir(where.root, final);
  if (!result) throw failure;
  return result;
}

/** DetachOptions: `supervisor` is the command that runs superviseContainer for the id appended to it. */
export interface DetachOptions extends ContainerScope {
  readonly container: string;
  readonly supervisor: readonly string[];
  /** timeoutMs bounds the wait for the container to be running (default 120 s: a first start unpacks the image). */
  readonly timeoutMs?: number;
}

/**
 * startDetached starts the supervisor in its own session (stderr to the container's log) and
 * resolves with the container's state once it runs (or already exited); rejects with the
 * recorded error when it could not start.
 */
export async function startDetached(opts: DetachOptions): Promise<ContainerState> {
  const where = whereOf(opts);
  const s = await lookup(where, opts.container);
  if (isActive(s)) throw new InputError(`container ${s.name} is already running`);
  const [cmd, ...args] = opts.supervisor;
  if (!cmd) throw new InputError("startDetached needs a supervisor command");
  const fd = openSync(containerPaths(where.root, s.id).log, "a");
  let exited = false;
  try {
    // cwd "/": a long-lived supervisor must not keep the caller's directory (or its mount) busy.
    const child = spawn(cmd, [...args, s.id], { detached: true, cwd: "/", stdio: ["ignore", "ignore", fd], env: { ...process.env, TSBUILD_ROOT: where.storeRoot } });
    child.on("exit", () => (exited = true));
    child.unref();
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const cur = await readState(where.root, s.id).catch((err: unknown) => {
        if (err instanceof InputError && exited) return undefined; // auto-removed after a quick exit
        throw err;
      });
      if (!cur) return { ...s, status: "exited" };
      if (cur.pid === child.pid && cur.status === "running") return cur;
      if (exited && cur.status === "exited" && cur.error !== undefined && cur.started === s.started) throw new TsbuildError("Container", `container ${s.name} did not start: ${cur.error}`);
      if (exited && cur.status === "created" && cur.pid === undefined) throw new TsbuildError("Container", `the supervisor of container ${s.name} exited before starting it; see tsbuild logs ${s.name}`);
      if (exited && cur.pid === undefined) return cur;
      if (Date.now() > deadline) throw new TsbuildError("Container", `container ${s.name} did not start within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s; see tsbuild logs ${s.name}`);
      await sleep(50);
    }
  } finally {
    closeSync(fd);
  }
}
