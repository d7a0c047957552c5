// Helpers for the container lifecycle tests: the CLI against a throwaway store, background
// commands, polling, and checks of the mount and process tables.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";

export const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");
/** lifecycleMissing names what the lifecycle tests lack here, or undefined. */
export const lifecycleMissing = e2eMissing() ?? (existsSync(CLI) ? undefined : `${CLI} is missing (run npm run build)`);

/** cliEnv is the environment the CLI runs with: the test store as TSBUILD_ROOT. */
export function cliEnv(env: Env): NodeJS.ProcessEnv {
  return { ...process.env, TSBUILD_ROOT: env.root };
}

/** tsbuild runs the CLI to completion. */
export function tsbuild(env: Env, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: cliEnv(env), input, timeout: 50_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** background starts the CLI without waiting; `done` resolves with its exit code and output. */
export function background(env: Env, args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on("close", (code, signal) => res({ code, signal })));
  return { child, done, out: () => stdout, err: () => stderr };
}

/** until polls `check` every 50 ms until it holds, failing after `ms`. */
export async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** mountsUnder lists mount points below `dir` in the mount table of process `pid` (default: this one). */
export function mountsUnder(dir: string, pid: number | "self" = "self"): string[] {
  return readFileSync(`/proc/${pid}/mountinfo`, "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m.startsWith(dir));
}

/** parentOf is the parent pid of process `pid`. */
export function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** liveWithArg lists live (non-zombie) processes whose command line contains `word`. */
export function liveWithArg(word: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
      if (cmd.includes(word) && state !== "Z") out.push(Number(pid));
    } catch (err) {
      // The process exited while the table was read.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" && (err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
  return out;
}

/** psRow returns the `ps -a` line of container `name`, or undefined. */
export function psRow(env: Env, name: string): string | undefined {
  return tsbuild(env, ["ps", "-a"]).stdout.split("\n").find((l) => l.trimEnd().endsWith(` ${name}`));
}

/** removeAll force-removes every container of `env` and checks that no mount is left. */
export function removeAll(env: Env): string[] {
  const ids = tsbuild(env, ["ps", "-aq"]).stdout.split("\n").filter(Boolean);
  if (ids.length > 0) tsbuild(env, ["rm", "-f", ...ids]);
  return mountsUnder(env.root);
}

/** cgroupsNamed lists cgroup directories named `name` under tsbuild's parent cgroup, in every hierarchy. */
export function cgroupsNamed(name: string): string[] {
  const parents = ["/sys/fs/cgroup/tsbuild", ...readdirSync("/sys/fs/cgroup").map((h) => `/sys/fs/cgroup/${h}/tsbuild`)];
  return parents.filter((p) => existsSync(`${p}/${name}`)).map((p) => `${p}/${name}`);
}

/**
 * describeLifecycle declares a lifecycle test suite that shares one throwaway store: made before
 * the first test, and after the last every container is force-removed, no mount may be left
 * under the store, and the store is deleted. `body` receives the store; its fields are valid
 * inside tests only. Without the prerequisites the suite is skipped (or fails under CI).
 */
export function describeLifecycle(title: string, body: (env: Env) => void): void {
  requirePrerequisites("lifecycle tests", lifecycleMissing);
  describe.skipIf(lifecycleMissing !== undefined)(title, () => {
    let made: Env | undefined;
    beforeAll(async () => {
      made = await makeEnv();
    });
    afterAll(() => {
      if (!made) return;
      expect(removeAll(made)).toEqual([]);
      made.cleanup();
    });
    body(lateEnv(() => made));
  });
}

/** lateEnv is an Env that forwards to the one `current` returns once the suite has made it. */
function lateEnv(current: () => Env | undefined): Env {
  const get = (): Env => {
    const env = current();
    if (!env) throw new Error("the lifecycle store is used outside a test (it is made in beforeAll)");
    return env;
  };
  return {
    get root() {
      return get().root;
    },
    get dir() {
      return get().dir;
    },
    build: (files, opts) => get().build(files, opts),
    context: (files) => get().context(files),
    cleanup: () => get().cleanup(),
  };
}
