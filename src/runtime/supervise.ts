import { spawn } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { TsbuildError } from "../core/index.js";
import type { RunIo, RunResult } from "./driver.js";
import { hasNativeSpawn, spawnWithControl, type SpawnedChild } from "./native-spawn.js";
import { signalFromStatus, statusFromExit } from "./process.js";

/** SuperviseHooks are the driver-specific ways to stop a container and to signal its main process. */
export interface SuperviseHooks {
  /** killAll must kill every process of the container (`pid`: the supervised command); SIGKILL of its group follows. */
  killAll(pid: number | undefined): Promise<void>;
  /** forward delivers `signal` to the container's main process. */
  forward(signal: NodeJS.Signals, pid: number | undefined): Promise<void>;
  /**
   * unwrapLog (terminal runs of crun) reads the runtime's stderr through a pipe and writes each
   * of its `<time>: <message>` log lines to the caller's stderr as the bare message: crun 1.8
   * logs the terminal output it drains after the process exited as such a line.
   */
  readonly unwrapLog?: boolean;
}

/** Supervised is how the supervised command ended, plus any error raised while stopping it. */
export interface Supervised {
  readonly status: number;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly stopError?: unknown;
}

/**
 * Spawned lets a caller talk to the supervised command before it ends: `control` adds a socket
 * pair as the command's fd 3 (child.stdio[3], both ways), and `onSpawn` receives the child
 * at once (a launcher that waits on fd 3 for a go-ahead, say).
 */
export interface Spawned {
  readonly control?: boolean;
  /** env replaces the inherited environment (supervise's own `env` argument comes first). */
  readonly env?: NodeJS.ProcessEnv;
  readonly onSpawn?: (child: SpawnedChild) => void;
  /**
   * native starts the command (with `control`) through tsbuild's native spawn when it is built
   * (native-spawn.ts): for the native launcher, which sets every signal to its default itself
   * (glibc's posix_spawn leaves its internal signals 32 and 33 ignored in the child).
   */
  readonly native?: boolean;
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
function watchStops(child: SpawnedChild, io: RunIo, hooks: SuperviseHooks): { state: StopState; timers: NodeJS.Timeout[]; disarm: () => void } {
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
export function supervise(argv: readonly string[], io: RunIo, hooks: SuperviseHooks, env?: NodeJS.ProcessEnv, spawned: Spawned = {}): Promise<Supervised> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new TsbuildError("Runtime", "supervise needs a program"));
  const control = spawned.control === true ? (["pipe"] as const) : [];
  const childEnv = env ?? spawned.env ?? process.env;
  let child: SpawnedChild | undefined;
  if (spawned.control === true && spawned.native === true && hasNativeSpawn()) {
    // The native spawn (native-spawn.ts): posix_spawn, whose cost does not grow with this heap.
    try {
      child = spawnWithControl(cmd, args, childEnv, io.stdin !== undefined);
    } catch (err) {
      // A kernel without pidfds (before 5.3) cannot have its exit watched: child_process then.
      if ((err as NodeJS.ErrnoException).code !== "TSBUILD_NO_PIDFD") return Promise.reject(err);
    }
  }
  child ??= spawn(cmd, args, { stdio: [io.stdin ? "pipe" : "ignore", "pipe", "pipe", ...control], detached: true, env: childEnv });
  spawned.onSpawn?.(child);
  const { state, timers, disarm } = watchStops(child, io, hooks);
  // Both are pipes (stdio "pipe" above), so never null.
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  stdout.pipe(io.stdout, { end: false });
  stderr.pipe(io.stderr, { end: false });
  // An output that fails (its reader went away) closes the command's end of that pipe: its next
  // write meets the broken pipe (SIGPIPE), as in a shell pipeline, instead of blocking on a full pipe.
  io.stdout.on("error", () => stdout.destroy());
  io.stderr.on("error", () => stderr.destroy());
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
 * terminalFd opens the terminal behind `stream` (a tty stream of this process) anew, in blocking
 * mode, for a child to inherit; undefined for any other stream. Node puts its own terminal fds in
 * non-blocking mode, and a runtime that relays a container's terminal (crun) writing to such an
 * fd gets EAGAIN when the reader falls behind, and then logs the relayed bytes as an error
 * instead of writing them out.
 */
function terminalFd(stream: Readable | Writable | undefined, flags: "r" | "w"): number | undefined {
  const fd = (stream as { fd?: unknown } | undefined)?.fd;
  if (typeof fd !== "number" || !(stream as { isTTY?: boolean }).isTTY) return undefined;
  return openSync(`/proc/self/fd/${fd}`, flags === "r" ? constants.O_RDONLY | constants.O_NOCTTY : constants.O_WRONLY | constants.O_NOCTTY);
}

/** LOG_LINE is one crun log line written to a non-terminal stderr: `<RFC 3339 time>: <message>\n`. */
const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z: ([\s\S]*)\n$/;

/**
 * unwrapLogLine turns one write of crun's log into its message; the newline crun adds goes when
 * the message already ends a line (drained terminal output). Anything else is kept as it is.
 */
export function unwrapLogLine(text: string): string {
  const m = LOG_LINE.exec(text);
  if (!m) return text;
  const msg = m[1]!;
  return msg.endsWith("\n") ? msg : `${msg}\n`;
}

/**
 * superviseTerminal runs `argv` (a runtime that gives the container a terminal) with the caller's
 * own streams as its stdin, stdout and stderr, in the caller's process group so that it may use
 * the caller's controlling terminal (a background group would be stopped for reading it). Stops
 * and signals work as in supervise, and so does `spawned`. Resolves when the command exited.
 */
export function superviseTerminal(argv: readonly string[], io: RunIo, hooks: SuperviseHooks, spawned: Spawned = {}): Promise<Supervised> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new TsbuildError("Runtime", "superviseTerminal needs a program"));
  const fds = [terminalFd(io.stdin, "r"), terminalFd(io.stdout, "w"), terminalFd(io.stderr, "w")];
  const close = (): void => fds.forEach((fd) => fd !== undefined && closeSync(fd));
  let child: SpawnedChild;
  try {
    const control = spawned.control === true ? (["pipe"] as const) : [];
    child = spawn(cmd, args, { stdio: [fds[0] ?? io.stdin ?? "ignore", fds[1] ?? io.stdout, hooks.unwrapLog === true ? "pipe" : (fds[2] ?? io.stderr), ...control], env: spawned.env ?? process.env });
  } finally {
    close(); // the child has its copies
  }
  spawned.onSpawn?.(child);
  child.stderr?.on("data", (chunk: Buffer) => io.stderr.write(unwrapLogLine(chunk.toString("utf8"))));
  const { state, disarm } = watchStops(child, io, hooks);
  return new Promise((resolve, reject) => {
    child.on("error", (err) => (disarm(), reject(err)));
    child.on(hooks.unwrapLog === true ? "close" : "exit", (code: number | null, signal: NodeJS.Signals | null) => {
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
