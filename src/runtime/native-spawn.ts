/**
 * The native spawn (native/spawn.c, native/build/tsbuild_spawn.node): a child started with
 * posix_spawn, whose cost does not grow with this process's heap (libuv's fork() copies its page
 * tables: ~5 ms for a container start's launcher here, against ~0.3 ms), wrapped as the part of
 * a ChildProcess that supervise() uses (SpawnedChild). Used for the native OCI launcher
 * (supervise with a control socket and `native`) when the addon is built and TSBUILD_SPAWN is not
 * `node`; child_process.spawn otherwise. Unlike libuv, glibc's posix_spawn leaves its own
 * internal signals (32 and 33) ignored in the child: the native launcher resets every signal.
 */
import { EventEmitter } from "node:events";
import { Socket } from "node:net";
import { constants } from "node:os";
import { dirname } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { TsbuildError } from "../core/errors.js";
import { chosenNativeFile, loadNative } from "../core/native.js";

/** SpawnedChild is what supervise() and its callers use of a child process: ChildProcess has it all. */
export interface SpawnedChild extends EventEmitter {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: readonly unknown[];
}

/** NativeSpawnAddon is the addon's interface (see native/spawn.c). */
interface NativeSpawnAddon {
  spawn(file: string, argv: readonly string[], env: readonly string[], stdin: boolean, onExit: (code: number | null, signal: number | null) => void): { pid: number; stdin?: number; stdout: number; stderr: number; control: number };
}

/** ADDON is the addon's file name in native/build. */
const ADDON = "tsbuild_spawn.node";

/** SPAWN_CHOICE: TSBUILD_SPAWN picks the native spawn or Node's child_process. */
const SPAWN_CHOICE = { variable: "TSBUILD_SPAWN", native: "native", fallback: "node", kind: "a way to spawn", needs: "a C compiler" };

let loaded: { addon: NativeSpawnAddon | undefined } | undefined;

/**
 * nativeSpawnAddon is the addon, loaded on first use, or undefined when it is not built or
 * TSBUILD_SPAWN=node asks for child_process; TSBUILD_SPAWN=native makes a missing one an error.
 */
function nativeSpawnAddon(): NativeSpawnAddon | undefined {
  if (loaded) return loaded.addon;
  const file = chosenNativeFile(dirname(fileURLToPath(import.meta.url)), ADDON, SPAWN_CHOICE);
  loaded = { addon: file === undefined ? undefined : loadNative<NativeSpawnAddon>(file, "spawn", "spawn", "NativeSpawn", "set TSBUILD_SPAWN=node") };
  return loaded.addon;
}

/** hasNativeSpawn says whether spawnWithControl uses the native spawn. */
export function hasNativeSpawn(): boolean {
  return nativeSpawnAddon() !== undefined;
}

/** SIGNAL_NAMES maps signal numbers to their names. */
function signalName(n: number): NodeJS.Signals | null {
  for (const [name, value] of Object.entries(constants.signals)) if (value === n) return name as NodeJS.Signals;
  return null;
}

/**
 * NativeChild is a child started by the native spawn, with ChildProcess's events: 'exit' (code,
 * signal) once it has exited and been reaped, then 'close' (code, signal) once its stdout, stderr
 * and control socket have closed too.
 */
class NativeChild extends EventEmitter implements SpawnedChild {
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly control: Socket;
  readonly stdio: readonly unknown[];
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private exited = false;
  private open = 3;

  constructor(fds: { pid: number; stdin?: number; stdout: number; stderr: number; control: number }) {
    super();
    this.pid = fds.pid;
    this.stdin = fds.stdin === undefined ? null : new Socket({ fd: fds.stdin, readable: false, writable: true });
    this.stdout = new Socket({ fd: fds.stdout, readable: true, writable: false });
    this.stderr = new Socket({ fd: fds.stderr, readable: true, writable: false });
    this.control = new Socket({ fd: fds.control, readable: true, writable: true });
    this.stdio = [this.stdin, this.stdout, this.stderr, this.control];
    for (const s of [this.stdout, this.stderr, this.control]) s.once("close", () => (--this.open, this.maybeClose()));
  }

  /** exit is the addon's report: the child has been reaped. */
  exit(code: number | null, signal: number | null): void {
    this.exitCode = code;
    this.signalCode = signal === null ? null : signalName(signal);
    this.exited = true;
    this.emit("exit", this.exitCode, this.signalCode);
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.exited && this.open === 0) this.emit("close", this.exitCode, this.signalCode);
  }
}

/**
 * spawnWithControl starts `cmd` (found on PATH as execvp would) with `args` and `env`, leading a
 * session of its own, with stdin a pipe (`stdin`) or /dev/null, stdout and stderr pipes and a
 * socket pair as fd 3 (child.stdio[3]), through the native spawn. Throws when it cannot start it.
 */
export function spawnWithControl(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, stdin: boolean): SpawnedChild {
  const addon = nativeSpawnAddon();
  if (addon === undefined) throw new TsbuildError("NativeSpawn", "tsbuild's native spawn is not built");
  const envList = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  let child: NativeChild | undefined;
  let early: [number | null, number | null] | undefined;
  const fds = addon.spawn(cmd, [cmd, ...args], envList, stdin, (code, signal) => (child ? child.exit(code, signal) : (early = [code, signal])));
  child = new NativeChild(fds);
  // The exit is reported from the event loop, never before spawn returns; this only keeps the order if it were.
  if (early) child.exit(...early);
  return child;
}
