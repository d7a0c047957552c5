// SIGINT during a long RUN: `tsbuild build` stops within 2 s and leaves no process of the build,
// no mount under the store, and a store that passes `tsbuild fsck`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");
const missing = e2eMissing() ?? (existsSync(CLI) ? undefined : `${CLI} is missing (run npm run build)`);
requirePrerequisites("interrupt tests", missing);

/** processesWith lists pids whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(marker)) out.push(Number(name));
    } catch {
      // The process exited between readdir and read: it is not running, which is what we check.
    }
  }
  return out;
}

describe.skipIf(missing !== undefined)("SIGINT during a build (CLI)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("stops a running RUN within 2 s and leaves no process, mount or broken store", async () => {
    const marker = `interrupt-${process.pid}-${Date.now()}`;
    const ctx = env.context({ Dockerfile: `FROM busybox\nRUN sleep 30; echo ${marker}\n` });
    const child = spawn(process.execPath, [CLI, "build", "--runtime", "runc", "--progress", "plain", ctx], { env: { ...process.env, TSBUILD_ROOT: env.root }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
    const deadline = Date.now() + 30_000;
    while (processesWith(marker).length === 0) {
      if (Date.now() > deadline) throw new Error(`the RUN step never started; stderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    const sent = Date.now();
    child.kill("SIGINT");
    const code = await exited;
    const took = Date.now() - sent;
    expect(took, stderr).toBeLessThan(2000);
    expect(code).not.toBe(0);
    expect(processesWith(marker)).toEqual([]);
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(env.root));
    expect(mounts).toEqual([]);
    for (const dir of ["mounts", "work", "tmp"]) {
      const left = existsSync(resolve(env.root, dir)) ? readdirSync(resolve(env.root, dir)) : [];
      expect(left, `${dir}/ after the interrupt`).toEqual([]);
    }
    const fsck = spawnSync(process.execPath, [CLI, "fsck"], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: env.root } });
    expect(fsck.status, fsck.stdout + fsck.stderr).toBe(0);
  });
});
