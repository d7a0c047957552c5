import { spawn, type ChildProcess } from "node:child_process";
import { TsbuildError } from "../core/index.js";
import type { RunIo, RunResult } from "./driver.js";
import { signalFromStatus, statusFromExit } from "./process.js";

/** SuperviseHooks are the driver-specific ways to stop a container and to signal its main process. */
export interface SuperviseHooks {
  /** killAll must kill every process of the container (`pid`: the supervised command); SIGKILL of its group follows. */
  killAll(pid: number | undefined): Promise<void>;
  /** forward delivers `signal` to the container's main process. */
  forward(signal: NodeJS.Signals, pid: number | undefined): Promise<void>;
}

/** Supervised is how the supervised command ended, plus any error raised while stopping it. */
export interface Supervised {
  readonly status: number;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly stopError?: unknown;
}

/** KILL_GRACE_MS is how long killAll may take before the whole process group gets SIGKILL. */
const KILL_GRACE_MS = 5000;
/** DRAIN_MS bounds how long output pipes may stay open after the command exited. */
const DRAIN_MS = 2000;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch (err) {
    // ESRCH: the group is already gone, which is the goal.
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** StopState records why a supervised command is being stopped. */
interface StopState {
  timedOut: boolean;
  aborted: boolean;
  stopError: unknown;
  stopping: boolean;
}

/**
 * watchStops arms `io.signal`, `io.timeoutMs` and `io.signals` for `child`: each stop runs
 * `hooks.killAll` once, with SIGKILL of the process group after KILL_GRACE_MS (or at once if
 * killAll fails). Returns the state and a function that disarms everything.
 */
function watchStops(child: ChildProcess, io: RunIo, hooks: SuperviseHooks): { state: StopState; timers: NodeJS.Timeout[]; disarm: () => void } {
  const state: StopState = { timedOut: false, aborted: false, stopError: undefined, stopping: false };
  const timers: NodeJS.Timeout[] = [];
  const stop = (): void => {
    if (state.stopping) return;
    state.stopping = true;
    timers.push(setTimeout(() => killGroup(child.pid), KILL_GRACE_MS));
    hooks.killAll(child.pid).catch((err: unknown) => {
      state.stopError = err;
      killGroup(child.pid);
    });
  };
  const onAbort = (): void => {
    state.aborted = true;
    stop();
  };
  if (io.signal?.aborted) onAbort();
  io.signal?.addEventListener("abort", onAbort, { once: true });
  if (io.timeoutMs !== undefined) timers.push(setTimeout(() => ((state.timedOut = true), stop()), io.timeoutMs));
  const unsubscribe = io.signals?.subscribe((sig) => {
    hooks.forward(sig, child.pid).catch((err: unknown) => (state.stopError ??= err));
  });
  const disarm = (): void => {
    for (const t of timers) clearTimeout(t);
    io.signal?.removeEventListener("abort", onAbort);
    unsubscribe?.();
  };
  return { state, timers, disarm };
}

/**
 * supervise runs `argv` (a runtime or launcher that stays in the foreground for the container's
 * life) in its own process group, streams its stdout and stderr into `io` without ending them,
 * enforces `io.signal` and `io.timeoutMs` through `hooks.killAll` (then SIGKILL of the group
 * after KILL_GRACE_MS) and forwards `io.signals`. `env` replaces the inherited environment.
 * Resolves when the command exited and its output is drained; rejects when it cannot be started.
 */
export function supervise(argv: readonly string[], io: RunIo, hooks: SuperviseHooks, env?: NodeJS.ProcessEnv): Promise<Supervised> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new TsbuildError("Runtime", "supervise needs a program"));
  const child = spawn(cmd, args, { stdio: [io.stdin ? "pipe" : "ignore", "pipe", "pipe"], detached: true, env: env ?? process.env });
  const { state, timers, disarm } = watchStops(child, io, hooks);
  // Both are pipes (stdio "pipe" above), so never null.
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  stdout.pipe(io.stdout, { end: false });
  stderr.pipe(io.stderr, { end: false });
  if (io.stdin && child.stdin) {
    // EPIPE when the container stops reading before stdin ends is normal for a pipe.
    child.stdin.on("error", () => undefined);
    io.stdin.pipe(child.stdin);
  }
  const cleanup = (): void => {
    disarm();
    if (io.stdin && child.stdin) io.stdin.unpipe(child.stdin);
  };
  return new Promise((resolve, reject) => {
    child.on("error", (err) => (cleanup(), reject(err)));
    child.on("exit", () => {
      timers.push(setTimeout(() => (stdout.destroy(), stderr.destroy()), DRAIN_MS));
    });
    child.on("close", (code, signal) => {
      cleanup();
      resolve({ status: statusFromExit(code, signal), timedOut: state.timedOut, aborted: state.aborted, stopError: state.stopError });
    });
  });
}

/**
 * superviseTerminal runs `argv` (a runtime that gives the container a terminal) with the caller's
 * own streams as its stdin, stdout and stderr, in the caller's process group so that it may use
 * the caller's controlling terminal (a background group would be stopped for reading it). Stops
 * and signals work as in supervise. Resolves when the command exited.
 */
export function superviseTerminal(argv: readonly string[], io: RunIo, hooks: SuperviseHooks): Promise<Supervised> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new TsbuildError("Runtime", "superviseTerminal needs a program"));
  const child = spawn(cmd, args, { stdio: [io.stdin ?? "ignore", io.stdout, io.stderr] });
  const { state, disarm } = watchStops(child, io, hooks);
  return new Promise((resolve, reject) => {
    child.on("error", (err) => (disarm(), reject(err)));
    child.on("exit", (code, signal) => {
      disarm();
      resolve({ status: statusFromExit(code, signal), timedOut: state.timedOut, aborted: state.aborted, stopError: state.stopError });
    });
  });
}

/**
 * runResultOf reports a supervised run as the Driver interface does: the exit status, the signal
 * that ended it, and only the flags that are true.
 */
export function runResultOf(done: Supervised, oomKilled = false): RunResult {
  const signal = signalFromStatus(done.status);
  return {
    exitCode: done.status,
    ...(signal ? { signal } : {}),
    ...(oomKilled ? { oomKilled } : {}),
    ...(done.timedOut ? { timedOut: true } : {}),
    ...(done.aborted ? { aborted: true } : {}),
  };
}
