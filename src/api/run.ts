/**
 * run() creates a container from a stored image and runs it in the foreground, as `docker run`
 * does: the image's config with Docker's semantics, a private writable layer over the image
 * (the image is never modified), output to the caller's streams and the container's log, and
 * the container's exit code as the result. With `rm` the container is removed at exit; without,
 * it stays (exited) for `ps -a`, `logs`, `start` and `commit`.
 *
 * This is the latency-critical path of `tsbuild run`: it writes the container's state once (as
 * running, with this process as its supervisor, so a killed tsbuild is reclaimed), reads the
 * image from the start cache (run-image.ts) and loads no parser, planner or build code.
 */
import type { Readable, Writable } from "node:stream";
import type { RunResult, SignalSource } from "../runtime/driver.js";
import { containerPaths, ownIdentity } from "../runtime/container/state.js";
import { settled } from "../runtime/settled.js";
import { commandLine, newContainer, type ContainerOptions } from "./container-create.js";
import { controlled, launchContainer } from "./container-launch.js";
import { whereOf } from "./container-shared.js";
import { pickDriver } from "./drivers.js";

export { commandLine };

/** RunOptions configure one foreground container. */
export interface RunOptions extends ContainerOptions {
  readonly stdin?: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** signals are forwarded to the container's main process. */
  readonly signals?: SignalSource;
  /** signal kills the container (SIGKILL) when aborted. */
  readonly signal?: AbortSignal;
  /**
   * tty gives the container a terminal (runc and crun only): stdin, stdout and stderr must be the
   * caller's terminal, which the runtime relays; the output is then not kept in the log.
   */
  readonly tty?: boolean;
  /** onCreated is told the new container's id before it starts. */
  readonly onCreated?: (id: string) => void;
}

/** run starts the container and resolves with how it ended. */
export async function run(opts: RunOptions): Promise<RunResult> {
  const where = whereOf(opts);
  // Listen before the pid is recorded: a signal request may follow at once.
  const ctl = controlled(opts.signals, opts.signal);
  let created: Awaited<ReturnType<typeof newContainer>>;
  let driver: Awaited<ReturnType<typeof pickDriver>>;
  try {
    let me: Awaited<ReturnType<typeof ownIdentity>>;
    [me, driver] = await settled([ownIdentity(), pickDriver(opts.runtime ?? "auto", `${where.storeRoot}/runtime`)] as const);
    const started = new Date().toISOString();
    created = await newContainer(opts, { status: "running", pid: me.pid, pidStart: me.pidStart, started, driver: driver.name as "runc" | "crun" | "builtin" });
  } catch (err) {
    ctl.stop();
    throw err;
  }
  const { state, image } = created;
  ctl.attach(containerPaths(where.root, state.id).signals);
  opts.onCreated?.(state.id);
  const streams = { stdout: opts.stdout, stderr: opts.stderr, ...(opts.stdin && { stdin: opts.stdin }) };
  return launchContainer(where, state, image.lowers, driver, { ...streams, ctl, markRunning: false, ...(opts.tty === true && { tty: true }) });
}
