/**
 * The launcher of an OCI runtime: a shell (in a private mount namespace when it mounts anything)
 * that prepares the runtime's surroundings while tsbuild prepares the bundle, then waits for a
 * go-ahead and becomes the runtime. In order it
 *   1. mounts the container's overlay (in its own mount namespace: the mount goes with the
 *      runtime when it exits, however tsbuild ends, and never shows in the host's mount table),
 *      and where crun must not see the cgroup2 mount (hybrid hosts) hides it: with one
 *      `mount -a` of a table tsbuild wrote (the overlay, then an empty tmpfs over the cgroup2
 *      mount; mountTableOf), else by a mount and a detach (umount) of its own,
 *   2. says so on fd 3 (`m`), so that tsbuild reads the rootfs through /proc/<pid>/root,
 *   3. meanwhile (from the start, in a subshell) joins the run's cgroups (on cgroup v1 the first
 *      join waits for an RCU grace period, which tsbuild started just before it spawned the
 *      launcher and which passes while the launcher starts and mounts),
 *   4. reads `go` from fd 3 (end of file: tsbuild gave up or died; the launcher exits and nothing
 *      starts), says `x` on fd 3, closes it and execs the runtime, so the container gets only
 *      fds 0-2.
 * Fd 3 is one socket both ways (tsbuild's side: Handshake). Until step 4 the launcher's error
 * messages go to fd 3 too, not to the container's stderr.
 *
 * Where it is built, the launcher is native/launcher.c (tsbuild-launcher, nativeLauncher): the
 * same steps and protocol as one program, which execs nothing before the runtime (the shell
 * launcher execs unshare, sh and mount first); the shell launcher is used without it.
 */
import { dirname } from "node:path";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { chosenNativeFile } from "../../core/native.js";
import type { SpawnedChild } from "../native-spawn.js";
import { shellQuote } from "../process.js";

/** OverlayStep is an overlay mount for the launcher: run in `cwd` (the links dir, if any), `data` for -o, mounted at `target`. */
export interface OverlayStep {
  readonly cwd?: string;
  readonly data: string;
  readonly target: string;
}

/**
 * LauncherPlan is what a launcher does before it execs `runtime` (an argv): mount `overlay`,
 * join the cgroup directories `join`, unmount `detach`. `privateMounts` gives it a mount
 * namespace of its own (needed for `overlay` and `detach`).
 */
export interface LauncherPlan {
  readonly runtime: readonly string[];
  readonly privateMounts: boolean;
  readonly overlay?: OverlayStep;
  readonly join: readonly string[];
  readonly detach?: string;
  /**
   * mountTable, with `detach`, is the file where the caller wrote mountTableOf(plan): the
   * launcher then makes its mounts with one `mount -a` (the overlay, and an empty tmpfs over
   * `detach` that hides it from the runtime as a detach would) instead of a mount and an umount,
   * one exec fewer, and its side steps are the cgroup joins alone.
   */
  readonly mountTable?: string;
  /** native is the native launcher to run the plan with (nativeLauncher), else the shell launcher runs it. */
  readonly native?: string;
}


/** FIRST_SIDE_FD is the first fd the side steps open (3 and 5 are the launcher's; sh takes fds up to 9). */
const FIRST_SIDE_FD = 6;

/** MAX_SIDE_FDS is how many cgroup.procs files under the detached mount the launcher can hold open (fds 6-9). */
const MAX_SIDE_FDS = 9 - FIRST_SIDE_FD + 1;

/**
 * sideSteps are the cgroup joins and the detach of `plan` as shell commands. The detach comes
 * first: the first join waits for the kernel's switch to fast cgroup moves (an RCU grace period,
 * 10-20 ms unless tsbuild's warming got there before), and the umount (an exec, ~2 ms) then runs
 * meanwhile instead of after it. Joins of cgroups under the detached mount (the cgroup2 hierarchy
 * on hybrid hosts) go through files opened before it is detached, lazily (the open files keep it
 * busy); they are closed again before the subshell ends.
 */
function sideSteps(plan: LauncherPlan): string[] {
  const procs = (dir: string) => shellQuote(`${dir}/cgroup.procs`);
  const detach = plan.detach;
  const under = joinsUnder(plan);
  if (detach === undefined || under.length > MAX_SIDE_FDS) {
    const joins = plan.join.map((dir) => `echo $$ > ${procs(dir)}`);
    return detach === undefined ? joins : [...joins, `umount -n -i ${shellQuote(detach)}`];
  }
  const fds = under.map((_, i) => FIRST_SIDE_FD + i);
  return [
    ...under.map((dir, i) => `exec ${fds[i]}> ${procs(dir)}`),
    `umount -n -i -l ${shellQuote(detach)}`,
    ...plan.join.filter((d) => !under.includes(d)).map((dir) => `echo $$ > ${procs(dir)}`),
    ...fds.flatMap((fd) => [`echo $$ >&${fd}`, `exec ${fd}>&-`]),
  ];
}

/** joinsUnder are the cgroup dirs of `plan` under its `detach` (joined through files opened before that is hidden). */
function joinsUnder(plan: Pick<LauncherPlan, "join" | "detach">): string[] {
  const detach = plan.detach;
  return detach === undefined ? [] : plan.join.filter((d) => d === detach || d.startsWith(`${detach}/`));
}

/** mangle escapes a mount table field as libmount reads it back: whitespace, `#` and `\\` as octal. */
function mangle(field: string): string {
  return field.replace(/[\s\\#]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

/**
 * mountTableOf is the mount table (fstab format) of `plan` for its mountTable, or undefined when
 * the plan hides nothing or joins more cgroups under it than the launcher has fds for: the
 * overlay, then a read-only empty tmpfs over `detach`.
 */
export function mountTableOf(plan: Omit<LauncherPlan, "mountTable">): string | undefined {
  if (plan.detach === undefined || joinsUnder(plan).length > MAX_SIDE_FDS) return undefined;
  const o = plan.overlay;
  const lines = [...(o ? [`overlay ${mangle(o.target)} overlay ${mangle(o.data)} 0 0`] : []), `tsbuild-hidden ${mangle(plan.detach)} tmpfs ro,nosuid,nodev,noexec,mode=0555,size=4k 0 0`];
  return `${lines.join("\n")}\n`;
}

/**
 * tableSteps are a mountTable plan's cgroup joins: the files of those under `detach` opened
 * first (`opens`, in the launcher itself, before its mount hides them), the joins (`side`, in
 * the background subshell) and the closing of those files in the launcher (`closes`).
 */
function tableSteps(plan: LauncherPlan): { opens: string[]; side: string[]; closes: string[] } {
  const procs = (dir: string) => shellQuote(`${dir}/cgroup.procs`);
  const under = joinsUnder(plan);
  const fds = under.map((_, i) => FIRST_SIDE_FD + i);
  return {
    opens: under.map((dir, i) => `exec ${fds[i]}> ${procs(dir)}`),
    side: [...plan.join.filter((d) => !under.includes(d)).map((dir) => `echo $$ > ${procs(dir)}`), ...fds.map((fd) => `echo $$ >&${fd}`)],
    closes: fds.map((fd) => `exec ${fd}>&-`),
  };
}

/** LAUNCHER is the native launcher's file name in native/build (built from native/launcher.c). */
const LAUNCHER = "tsbuild-launcher";

/** LAUNCHER_CHOICE: TSBUILD_LAUNCHER picks the native launcher or the shell one. */
const LAUNCHER_CHOICE = { variable: "TSBUILD_LAUNCHER", native: "native", fallback: "sh", kind: "a launcher", needs: "a C compiler" };

/**
 * nativeLauncher is the path of the built native launcher, found from this module's directory
 * upwards, or undefined when it is not built or TSBUILD_LAUNCHER=sh asks for the shell launcher.
 * TSBUILD_LAUNCHER=native makes a missing one an error.
 */
export function nativeLauncher(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  return chosenNativeFile(from, LAUNCHER, LAUNCHER_CHOICE);
}

/**
 * nativeLauncherArgv is the command line of the native launcher `binary` for `plan`: the overlay
 * mounted in its links dir, the cgroup joins (on a thread, while it mounts), `detach` hidden
 * under an empty read-only tmpfs (cgroup.procs files under it opened before), then the runtime.
 * A mountTable is not used: the launcher makes the mounts itself.
 */
export function nativeLauncherArgv(plan: LauncherPlan, binary: string): string[] {
  const o = plan.overlay;
  return [
    binary,
    ...(plan.privateMounts ? ["-p"] : []),
    ...(o ? [...(o.cwd !== undefined ? ["-C", o.cwd] : []), "-o", o.data, "-t", o.target] : []),
    ...plan.join.flatMap((dir) => ["-j", dir]),
    ...(plan.detach !== undefined ? ["-d", plan.detach] : []),
    "--",
    ...plan.runtime,
  ];
}

/**
 * launcherArgv is the command that carries out `plan` (see the module comment). The cgroup joins
 * and the detach run in a background subshell (`$$` there still names the launcher itself) while
 * the launcher mounts the overlay and tsbuild prepares the bundle; the launcher waits for them
 * before it reads `go`.
 */
export function launcherArgv(plan: LauncherPlan): string[] {
  const o = plan.overlay;
  const table = plan.mountTable !== undefined ? tableSteps(plan) : undefined;
  const side = table?.side ?? sideSteps(plan);
  const mountCommand = plan.mountTable !== undefined ? `mount -n -i -a -T ${shellQuote(plan.mountTable)}` : o ? `mount -n -i -t overlay overlay -o ${shellQuote(o.data)} -- ${shellQuote(o.target)}` : undefined;
  const mount = mountCommand !== undefined ? [...(o?.cwd !== undefined ? [`cd ${shellQuote(o.cwd)}`] : []), mountCommand, "cd /"] : [];
  const lines = [
    "exec 5>&2 2>&3 || exit 1",
    ...(table?.opens ?? []),
    ...(side.length > 0 ? [`( ${side.join(" && ")} ) & j=$!`] : []),
    ...(table?.closes ?? []),
    `${[...mount, "echo m >&3"].join(" && ")} || exit 1`,
    ...(side.length > 0 ? ["wait $j || exit 1"] : []),
    'read -r go <&3 && [ "$go" = go ] || exit 1',
    'echo x >&3 && exec 2>&5 5>&- 3<&- && exec "$@"',
  ];
  const prefix = plan.privateMounts ? ["unshare", "--mount", "--propagation", "private", "--"] : [];
  return [...prefix, "sh", "-c", lines.join("\n"), "sh", ...plan.runtime];
}

/**
 * Handshake is tsbuild's side of a launcher's fd 3: `mounted` resolves when the launcher
 * is ready for the bundle (rejects with its error text when it exits before), `go` lets it start
 * the runtime, `abort` makes it exit without, `started` says whether it exec'd the runtime (known
 * for sure once `closed` resolved) and `errorText` is what it reported.
 */
export class Handshake {
  readonly mounted: Promise<void>;
  readonly closed: Promise<void>;
  private text = "";
  private execd = false;
  private sent = false;
  private readonly control: Duplex;

  constructor(child: SpawnedChild) {
    // One socket both ways: `go` is written to it, the launcher's report is read from it.
    const report = (this.control = child.stdio[3] as Duplex);
    // EPIPE when the launcher already exited: its exit and report say why.
    this.control.on("error", () => undefined);
    let ready: () => void = () => undefined;
    let failed: (err: Error) => void = () => undefined;
    this.mounted = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
    // The caller may stop waiting (an abort): a late rejection is then expected.
    this.mounted.catch(() => undefined);
    let buffered = "";
    report.setEncoding("utf8");
    report.on("data", (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line === "m") ready();
        else if (line === "x") this.execd = true;
        else this.text += `${line}\n`;
      }
    });
    this.closed = new Promise<void>((resolve) =>
      report.on("close", () => {
        this.text += buffered;
        failed(new Error(this.errorText() || "the launcher exited"));
        resolve();
      }),
    );
  }

  /** goneAhead says whether `go` was sent (the runtime may be starting). */
  get goneAhead(): boolean {
    return this.sent;
  }

  /** started says whether the launcher exec'd the runtime. */
  get started(): boolean {
    return this.execd;
  }

  /** errorText is what the launcher reported before it exec'd the runtime, trimmed. */
  errorText(): string {
    return this.text.trim();
  }

  /** go tells the launcher to start the runtime. */
  go(): void {
    this.sent = true;
    this.control.end("go\n");
  }

  /** abort tells the launcher to exit without starting anything. */
  abort(): void {
    this.control.destroy();
  }
}
