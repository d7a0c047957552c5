/**
 * The container lifecycle besides starting: list (ps), stop, kill, rm and exec. Every call first
 * reclaims containers whose supervising process died, so their state is true.
 */
import { InputError, TsbuildError } from "../core/errors.js";
import { normalizeSignal, requestSignal } from "../runtime/container/control.js";
import { bundleIdOf, containerPaths, removeContainerDir, type ContainerState } from "../runtime/container/state.js";
import type { Driver, ExecOptions, RunIo, RunResult } from "../runtime/driver.js";
import { resolveUser, type ResolvedUser } from "../runtime/user.js";
import { isActive, lookup, reclaimAll, unmountUnder, waitExit, whereOf, type ContainerScope, type Where } from "./container-shared.js";
import { pickDriver } from "./drivers.js";

/** ContainerRow is one line of `ps`. */
export interface ContainerRow {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly command: string;
  readonly created: string;
  readonly status: ContainerState["status"];
  readonly started?: string;
  readonly finished?: string;
  readonly exitCode?: number;
  readonly error?: string;
}

/** listContainers returns the running containers, or with `all` every container, newest first. */
export async function listContainers(opts: ContainerScope & { all?: boolean }): Promise<ContainerRow[]> {
  const states = await reclaimAll(whereOf(opts));
  return states
    .filter((s) => opts.all === true || s.status === "running")
    .sort((a, b) => b.created.localeCompare(a.created))
    .map((s) => ({
      id: s.id,
      name: s.name,
      image: s.image,
      command: s.argv.join(" "),
      created: s.created,
      status: s.status,
      ...(s.started !== undefined && { started: s.started }),
      ...(s.finished !== undefined && { finished: s.finished }),
      ...(s.exitCode !== undefined && { exitCode: s.exitCode }),
      ...(s.error !== undefined && { error: s.error }),
    }));
}

/** KILL_WAIT_MS bounds how long a SIGKILL may take to end a container. */
const KILL_WAIT_MS = 15_000;

/** signalActive asks the supervisor of running container `s` to deliver `signal`. */
async function signalActive(where: Where, s: ContainerState, signal: NodeJS.Signals): Promise<void> {
  if (!isActive(s) || s.pid === undefined) throw new InputError(`container ${s.name} is not running`);
  await requestSignal(containerPaths(where.root, s.id).signals, s.pid, signal);
}

/** killHard sends SIGKILL and waits for the container to end. */
async function killHard(where: Where, s: ContainerState): Promise<void> {
  await signalActive(where, s, "SIGKILL");
  if (!(await waitExit(where, s.id, KILL_WAIT_MS))) throw new TsbuildError("Container", `container ${s.name} did not exit within ${KILL_WAIT_MS / 1000} s of SIGKILL`);
}

/** killContainer sends `signal` (default SIGKILL) to the container's main process. */
export async function killContainer(opts: ContainerScope & { container: string; signal?: string }): Promise<ContainerState> {
  const where = whereOf(opts);
  const s = await lookup(where, opts.container);
  await signalActive(where, s, normalizeSignal(opts.signal ?? "KILL"));
  return s;
}

/**
 * stopContainer sends the image's StopSignal (default SIGTERM), waits `timeoutSec` (default 10)
 * for the container to exit, then sends SIGKILL. A container that is not running is left as is.
 */
export async function stopContainer(opts: ContainerScope & { container: string; timeoutSec?: number }): Promise<ContainerState> {
  const where = whereOf(opts);
  const s = await lookup(where, opts.container);
  if (!isActive(s)) return s;
  const stopSignal = typeof s.config.StopSignal === "string" && s.config.StopSignal !== "" ? s.config.StopSignal : "SIGTERM";
  await signalActive(where, s, normalizeSignal(stopSignal));
  if (!(await waitExit(where, s.id, (opts.timeoutSec ?? 10) * 1000))) await killHard(where, s);
  return s;
}

/** removeContainer deletes a stopped container (with `force`, a running one is killed first). */
export async function removeContainer(opts: ContainerScope & { container: string; force?: boolean }): Promise<ContainerState> {
  const where = whereOf(opts);
  const s = await lookup(where, opts.container);
  if (isActive(s)) {
    if (opts.force !== true) throw new InputError(`container ${s.name} is running: stop it first (tsbuild stop ${s.name}) or use rm -f`);
    await killHard(where, s);
  }
  await unmountUnder(containerPaths(where.root, s.id).dir);
  await removeContainerDir(where.root, s);
  return s;
}

/**
 * ExecRequest is a command to run in a running container, as `docker exec` takes it: `env`
 * (NAME=VALUE entries replacing or adding to the main process's environment), `user` (a name or
 * id, with an optional group, resolved against the container's /etc/passwd and /etc/group),
 * `workdir` (absolute) and `tty` (a terminal; `io` must then be the caller's own fd-backed
 * streams). Without them the command runs with the main process's environment, user and cwd.
 */
export interface ExecRequest extends ContainerScope {
  readonly container: string;
  readonly argv: readonly string[];
  readonly io: RunIo;
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workdir?: string;
  readonly tty?: boolean;
}

/** userIn resolves `user` in the rootfs of running container `s`, through its runtime when the driver can say where that is. */
async function userIn(where: Where, s: ContainerState, driver: Driver, user: string): Promise<ResolvedUser> {
  const view = driver.rootView ? await driver.rootView(bundleIdOf(s.id)) : undefined;
  return resolveUser(view?.path ?? containerPaths(where.root, s.id).merged, user, view);
}

/** execOptionsOf resolves the request's user inside the container's root filesystem; undefined when nothing changes. */
async function execOptionsOf(where: Where, s: ContainerState, driver: Driver, opts: ExecRequest): Promise<ExecOptions | undefined> {
  if (opts.env === undefined && opts.user === undefined && opts.workdir === undefined && opts.tty !== true) return undefined;
  const user = opts.user === undefined ? undefined : await userIn(where, s, driver, opts.user);
  return {
    ...(opts.env !== undefined && { env: opts.env }),
    ...(user !== undefined && { user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids } }),
    ...(opts.workdir !== undefined && { cwd: opts.workdir }),
    ...(opts.tty === true && { tty: true }),
  };
}

/** execInContainer runs `argv` in the running container (see ExecRequest) and resolves with how it ended. */
export async function execInContainer(opts: ExecRequest): Promise<RunResult> {
  const where = whereOf(opts);
  const s = await lookup(where, opts.container);
  if (s.status !== "running" || s.driver === undefined) throw new InputError(`container ${s.name} is not running`);
  if (opts.argv.length === 0) throw new InputError("exec needs a command");
  const driver = await pickDriver(s.driver, `${where.storeRoot}/runtime`);
  if (!driver.exec) throw new InputError(`exec needs the runc or crun driver; container ${s.name} runs with ${driver.name}`);
  return driver.exec(bundleIdOf(s.id), opts.argv, opts.io, await execOptionsOf(where, s, driver, opts));
}
