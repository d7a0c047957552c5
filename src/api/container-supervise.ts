/**
 * Starting a created or exited container. superviseContainer runs it in the calling process (the
 * supervisor, see launchContainer). startDetached runs that supervisor as a separate process in
 * its own session, so the container outlives the caller.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseDigest } from "../core/digest.js";
import { InputError, TsbuildError } from "../core/errors.js";
import { containerPaths, ownIdentity, readState, updateState, type ContainerState } from "../runtime/container/state.js";
import type { Driver, RunResult } from "../runtime/driver.js";
import { openStore } from "../store/store.js";
import { controlled, launchContainer, recordExit, type LaunchIo } from "./container-launch.js";
import { isActive, lookup, whereOf, type ContainerScope, type Where } from "./container-shared.js";
import { pickDriver } from "./drivers.js";
import { imageForRun } from "./run-image.js";

/** SuperviseOptions: the container (name or id) and, for an attached start, the caller's streams. */
export interface SuperviseOptions extends ContainerScope, LaunchIo {
  readonly container: string;
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
  const ctl = controlled(opts.signals, opts.signal);
  ctl.attach(containerPaths(where.root, s.id).signals);
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    prepared = await prepare(where, s);
  } catch (err) {
    ctl.stop();
    await recordExit(where, s, undefined, err);
    throw err;
  }
  return launchContainer(where, prepared.state, prepared.lowers, prepared.driver, { ...opts, ctl, markRunning: true });
}

/** prepare records this process as the supervisor of `s` and finds its driver and image layers. */
async function prepare(where: Where, s: ContainerState): Promise<{ state: ContainerState; driver: Driver; lowers: readonly string[] }> {
  const me = await ownIdentity();
  const state = await updateState(where.root, s.id, () => ({ status: "created", pid: me.pid, pidStart: me.pidStart, error: undefined, exitCode: undefined, finished: undefined }));
  const driver = await pickDriver(s.run.runtime, `${where.storeRoot}/runtime`);
  const store = openStore(where.storeRoot);
  try {
    const image = await imageForRun(store, parseDigest(s.imageDigest), s.run.runtime);
    return { state, driver, lowers: image.lowers };
  } finally {
    store.close();
  }
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
 * recorded error when it could not start. A container that already runs is left as it is and its
 * state returned, as `docker start` does.
 */
export async function startDetached(opts: DetachOptions): Promise<ContainerState> {
  const where = whereOf(opts);
  const s = await lookup(where, opts.container);
  if (isActive(s)) return s;
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
