// The native spawn (native/spawn.c through src/runtime/native-spawn.ts), which starts the OCI
// launcher: the child gets stdin (a pipe or /dev/null), stdout and stderr pipes and a socket as
// fd 3 and nothing else, a session of its own, SIGPIPE at its default (Node ignores it; glibc's
// own signals 32 and 33 stay ignored, which the native launcher resets) and the given environment, found on PATH; its exit code or signal comes back as
// ChildProcess's 'exit' and then 'close' once its pipes have closed; a program that is not there
// is an error at once.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import type { Duplex, Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { nativeFile } from "../../src/core/native.js";
import { hasNativeSpawn, spawnWithControl, type SpawnedChild } from "../../src/runtime/native-spawn.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const repo = resolve(import.meta.dirname, "../..");
const missing = nativeFile(join(repo, "src/runtime"), "tsbuild_spawn.node") === undefined ? "native/build/tsbuild_spawn.node is not built (npm run build:native)" : undefined;
requirePrerequisites("the native spawn tests", missing);

interface Ended {
  readonly exit: [number | null, string | null];
  readonly close: [number | null, string | null];
  readonly stdout: string;
  readonly stderr: string;
  readonly control: string;
}

/** ended collects a child's output and both of its end events. */
function ended(child: SpawnedChild): Promise<Ended> {
  let stdout = "";
  let stderr = "";
  let control = "";
  (child.stdout as Readable).on("data", (d: Buffer) => (stdout += d.toString()));
  (child.stderr as Readable).on("data", (d: Buffer) => (stderr += d.toString()));
  (child.stdio[3] as Duplex).on("data", (d: Buffer) => (control += d.toString()));
  let exit: [number | null, string | null] | undefined;
  child.on("exit", (code: number | null, signal: string | null) => (exit = [code, signal]));
  return new Promise((done) => child.on("close", (code: number | null, signal: string | null) => done({ exit: exit!, close: [code, signal], stdout, stderr, control })));
}

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ONLY: "this" };

describe.skipIf(missing !== undefined)("spawnWithControl (native spawn)", () => {
  it("is what supervise uses for a launcher here", () => {
    expect(hasNativeSpawn()).toBe(true);
  });

  it("gives the child its pipes, fd 3, its own session, default signals and the environment; reports its exit code", async () => {
    const script = [
      "echo out",
      "echo err >&2",
      "echo ctl >&3",
      "ls /proc/self/fd | tr '\\n' ' ' >&2",
      // Its own session: the session id is its own pid.
      'test "$(cut -d" " -f6 /proc/$$/stat)" = "$$" && echo own-session',
      // SIGPIPE at its default (Node ignores it; a child must not inherit that).
      "ign=$(sed -n 's/^SigIgn:\\t//p' /proc/$$/status); [ $((0x$ign & 0x1000)) -eq 0 ] && echo sigpipe-default",
      "env | sort | tr '\\n' ' '",
      "exit 7",
    ].join("; ");
    const child = spawnWithControl("sh", ["-c", script], env, false);
    expect(child.pid).toBeGreaterThan(0);
    expect(child.stdin).toBeNull();
    const r = await ended(child);
    expect(r.exit).toEqual([7, null]);
    expect(r.close).toEqual([7, null]);
    expect(r.control).toBe("ctl\n");
    expect(r.stdout).toMatch(/^out\nown-session\nsigpipe-default\n/);
    // sh's own variables (PWD, SHLVL...) besides the two given, nothing of this process's.
    expect(r.stdout).toContain("ONLY=this");
    expect(r.stdout).not.toContain("VITEST");
    // 0-3 and ls's own dir fd (4): nothing else reaches it, but what this test process leaves
    // inheritable for every child (child_process's too: the baseline).
    const baseline = spawnSync("sh", ["-c", "ls /proc/self/fd"], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    const leaked = baseline.filter((fd) => !["0", "1", "2", "3"].includes(fd));
    const [errLine, fds] = r.stderr.split("\n");
    expect(errLine).toBe("err");
    expect(fds!.split(" ").filter((fd) => fd !== "" && !leaked.includes(fd))).toEqual(["0", "1", "2", "3", "4"]);
  });

  it("passes stdin through a pipe when asked, and reports a signal that ended the child", async () => {
    const child = spawnWithControl("sh", ["-c", "read line; echo got $line; kill -TERM $$"], env, true);
    const input = child.stdin as Writable;
    input.end("hello\n");
    const r = await ended(child);
    expect(r.stdout).toBe("got hello\n");
    expect(r.exit).toEqual([null, "SIGTERM"]);
    expect(r.close).toEqual([null, "SIGTERM"]);
  });

  it("closes only once the output pipes have closed, after the exit", async () => {
    // The background sleep keeps stdout open after sh exited.
    const child = spawnWithControl("sh", ["-c", "(sleep 0.3; echo late) & exit 0"], env, false);
    const events: string[] = [];
    child.on("exit", () => events.push("exit"));
    const r = await ended(child);
    events.push("close");
    expect(r.stdout).toBe("late\n");
    expect(events).toEqual(["exit", "close"]);
  });

  it("under the native launcher, the runtime starts with every signal at its default and none blocked", async () => {
    const launcher = nativeFile(join(repo, "src/runtime"), "tsbuild-launcher");
    requirePrerequisites("the native launcher signal test", launcher ? undefined : "native/build/tsbuild-launcher is not built");
    if (!launcher) return;
    const child = spawnWithControl(launcher, ["--", "sh", "-c", "grep -E '^Sig(Ign|Blk):' /proc/$$/status"], env, false);
    const control = child.stdio[3] as Duplex;
    control.on("data", (d: Buffer) => d.toString().includes("m\n") && control.end("go\n"));
    const r = await ended(child);
    expect(r.exit).toEqual([0, null]);
    expect(r.stdout).toBe("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
  });

  it("throws at once for a program that is not there", () => {
    expect(() => spawnWithControl("/nonexistent/tsbuild-program", [], env, false)).toThrow(/posix_spawn: No such file or directory/);
  });
});
