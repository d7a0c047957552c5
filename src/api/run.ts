/**
 * run() creates a container from a stored image and runs it in the foreground, as `docker run`
 * does: the image's config with Docker's semantics, a private writable layer over the image
 * (the image is never modified), output to the caller's streams and the container's log, and
 * the container's exit code as the result. With `rm` the container is removed at exit; without,
 * it stays (exited) for `ps -a`, `logs`, `start` and `commit`.
 */
import type { Readable, Writable } from "node:stream";
import type { RunResult, SignalSource } from "../runtime/driver.js";
import { commandLine, createContainer, type ContainerOptions } from "./container-create.js";
import { superviseContainer } from "./container-supervise.js";

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
  /** onCreated is told the new container's id before it starts. */
  readonly onCreated?: (id: string) => void;
}

/** run starts the container and resolves with how it ended. */
export async function run(opts: RunOptions): Promise<RunResult> {
  const state = await createContainer(opts);
  opts.onCreated?.(state.id);
  return superviseContainer({
    container: state.id,
    stdout: opts.stdout,
    stderr: opts.stderr,
    ...(opts.root !== undefined && { root: opts.root }),
    ...(opts.stdin && { stdin: opts.stdin }),
    ...(opts.signals && { signals: opts.signals }),
    ...(opts.signal && { signal: opts.signal }),
  });
}
