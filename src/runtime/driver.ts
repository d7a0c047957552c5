import type { Readable, Writable } from "node:stream";
import { TsbuildError } from "../core/errors.js";
import type { RootView } from "./confined.js";
import type { OciSpec } from "./oci-types.js";
import type { SpecUser } from "./spec-input.js";

/**
 * BundleOptions says where a driver may put the runtime bundle of one run: `dir` is an existing
 * directory owned by the caller (config.json is written there; the rootfs stays where
 * `spec.root.path` points) and `id` names the container (letters, digits, `_.-`; unique among
 * running containers).
 */
export interface BundleOptions {
  readonly dir: string;
  readonly id: string;
}

/** SignalSource delivers signals the caller wants forwarded to the container's main process. */
export interface SignalSource {
  subscribe(listener: (signal: NodeJS.Signals) => void): () => void;
}

/**
 * RunIo wires one run to the caller. The driver writes the container's output to `stdout` and
 * `stderr` without ending them (the caller owns both streams); `stdin` (default: /dev/null) is
 * read until it ends. `signal` aborts the run and `timeoutMs` bounds it: both kill every process
 * of the container. Signals from `signals` are forwarded to the container's main process.
 */
export interface RunIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin?: Readable;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly signals?: SignalSource;
}

/**
 * RunResult is how a run ended: the exit code (128 + n when killed by signal n, as a shell
 * reports it), the signal that killed the main process if any, whether the memory limit's OOM
 * killer fired, and whether the run was ended by the timeout or the abort signal.
 */
export interface RunResult {
  readonly exitCode: number;
  readonly signal?: NodeJS.Signals;
  readonly oomKilled?: boolean;
  readonly timedOut?: boolean;
  readonly aborted?: boolean;
}

/**
 * ExecOptions change how an exec'd process runs compared with the container's main process:
 * `env` entries (NAME=VALUE) replace or add to its environment, `user` and `cwd` replace its
 * identity and working directory, and `tty` gives it a terminal. With `tty`, the driver's
 * runtime shares the caller's `io` streams as its own (they must be the caller's terminal or
 * other fd-backed streams) instead of piping them.
 */
export interface ExecOptions {
  readonly env?: readonly string[];
  readonly user?: SpecUser;
  readonly cwd?: string;
  readonly tty?: boolean;
}

/**
 * RootfsOverlay is a container's root filesystem for a driver to mount itself: overlayfs of
 * `lowers` (layer dirs, top first) with the writable layer `upper` (and its `work` dir) at
 * `target`, an empty directory named by its real path.
 */
export interface RootfsOverlay {
  readonly lowers: readonly string[];
  readonly upper: string;
  readonly work: string;
  readonly target: string;
}

/**
 * LaunchRequest is a container for Driver.launch: its root filesystem, the cgroup `resources`
 * (known before the spec: the cgroups are made first), and `spec`, called once the rootfs is
 * mounted with the view through which this process reaches it (the mount exists only in the
 * runtime's mount namespace). The spec's `root.path` must be `overlay.target`; its resources are
 * those of `resources`.
 */
export interface LaunchRequest {
  readonly overlay: RootfsOverlay;
  readonly resources: OciSpec["linux"]["resources"];
  /** terminal must say what the spec's `process.terminal` will (the runtime's stdio is set up first). */
  readonly terminal: boolean;
  /** ahead, when given, is called while the rootfs is being mounted, before `spec`: for the spec's work that needs no rootfs. */
  ahead?(): void;
  /**
   * specAhead, when given, is called while the rootfs is being mounted (after `ahead`): the spec,
   * when it needs nothing read from the rootfs (else undefined), and `settle`, which does the
   * spec's work in the rootfs (its checks, the directories it needs) once that is mounted, with
   * the same view `spec` would get. `spec` is then not called.
   */
  specAhead?(): Promise<SpecAhead | undefined>;
  spec(view: RootView): Promise<OciSpec>;
}

/**
 * SpecAhead is a spec made before its rootfs was mounted (LaunchRequest.specAhead) and `settle`,
 * the work in the rootfs it still needs once that is mounted. `settle` resolves true when the
 * rootfs is known to need nothing more (its mount targets included: the runtime makes the
 * missing file mount points itself), false when the driver is to make the mount targets.
 */
export interface SpecAhead {
  readonly spec: OciSpec;
  settle(view: RootView): Promise<boolean>;
}

/** RootfsMountError says Driver.launch could not mount the overlay; nothing ran, nothing is left, and the caller may fall back to a copy. */
export class RootfsMountError extends TsbuildError {
  constructor(message: string) {
    super("Snapshot", message);
  }
}

/**
 * Driver executes an OCI runtime spec. `run` resolves when the container and every process in
 * it have exited and the driver's state for it (runtime state, cgroups, mounts) is removed; it
 * rejects only when the container could not be started. `warnings` lists parts of the spec the
 * driver cannot enforce, for the caller to show once.
 */
export interface Driver {
  readonly name: string;
  readonly warnings: readonly string[];
  run(spec: OciSpec, bundle: BundleOptions, io: RunIo): Promise<RunResult>;
  /**
   * launch runs a container whose overlay rootfs the driver mounts itself, in a mount namespace
   * private to the runtime process, so the mount goes with the runtime whichever way it ends (no
   * unmount, nothing left in the caller's namespace). Otherwise as `run`; rejects with
   * RootfsMountError when the overlay cannot be mounted. Drivers without it take `run`.
   */
  launch?(req: LaunchRequest, bundle: BundleOptions, io: RunIo): Promise<RunResult>;
  /**
   * exec runs `argv` as another process in the running container `id` (with the environment,
   * user and working directory of its main process) and resolves with how it ended. Drivers that
   * cannot join a running container leave it undefined.
   */
  exec?(id: string, argv: readonly string[], io: RunIo, options?: ExecOptions): Promise<RunResult>;
  /**
   * rootView is the root filesystem of the running container `id` as this process can read it
   * (readConfinedFile's view), for drivers whose rootfs may be mounted where only the runtime sees it.
   */
  rootView?(id: string): Promise<RootView>;
  /**
   * prepare makes ahead what container `id` (its bundle id) with `resources` needs when it starts
   * soon (the OCI drivers: its cgroups), while the caller sets up its root filesystem and streams; its start
   * (run or launch with the same id) takes that over. The returned function undoes what no start
   * took over: call it once the container ended or did not start.
   */
  prepare?(id: string, resources: OciSpec["linux"]["resources"]): () => Promise<void>;
  /**
   * reclaim kills whatever is left of container `id` after the process that ran it died (its
   * processes, runtime state and cgroups). Nothing left is fine.
   */
  reclaim(id: string): Promise<void>;
}

/** CONTAINER_ID_RE is the container ids drivers accept (what runc and crun accept, bounded). */
export const CONTAINER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
