// The library API end to end: a build handle that is awaited and iterated, a builder kept open
// across builds, cancellation through an AbortSignal during a RUN, and the CLI's plain output of
// a real build. Needs root, runc and busybox-static (like the other e2e tests).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, BuildCanceledError, createBuilder, InputError, type BuildEvent, type VertexStatus } from "../../src/api/index.js";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");
const missing = e2eMissing() ?? (existsSync(CLI) ? undefined : `${CLI} is missing (run npm run build)`);
requirePrerequisites("API end-to-end tests", missing);

function tsbuild(env: Env, args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: env.root, CI: "true", SOURCE_DATE_EPOCH: "0" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** orderProblems lists every vertex whose events break queued -> running -> one terminal state. */
function orderProblems(events: readonly BuildEvent[]): string[] {
  const seen = new Map<string, VertexStatus[]>();
  for (const e of events) if (e.type === "vertex") seen.set(e.vertex, [...(seen.get(e.vertex) ?? []), e.status]);
  const problems: string[] = [];
  for (const [v, s] of seen) {
    const ok = s[0] === "queued" && s.length <= 3 && (s.length === 2 ? ["cached", "error", "canceled"].includes(s[1]!) : s[1] === "running" && ["done", "error", "canceled"].includes(s[2]!));
    if (!ok) problems.push(`${v}: ${s.join(" -> ")}`);
  }
  return problems;
}

/** leftovers lists mounts under `dir` and processes whose command line contains `marker`. */
function leftovers(dir: string, marker: string): string[] {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.split(" ")[4]?.startsWith(dir));
  const procs = readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(marker);
    } catch {
      return false; // The process ended while we looked.
    }
  });
  return [...mounts, ...procs.map((p) => `process ${p}`)];
}

describe.skipIf(missing !== undefined)("library API (end to end)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("streams events in a valid order per vertex and resolves with the digests tsbuild inspect shows", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nCOPY a.txt /a.txt\nRUN echo from-run && cat /a.txt > /b.txt\n", "a.txt": "A\n" });
    const handle = build({ context: ctx, root: env.root, runtime: "runc", tags: ["api/order:1"] });
    const events: BuildEvent[] = [];
    for await (const e of handle) events.push(e);
    const result = await handle;
    expect(orderProblems(events)).toEqual([]);
    const vertices = new Set(events.flatMap((e) => (e.type === "vertex" ? [e.vertex] : [])));
    expect(vertices.size).toBe(3);
    expect(events.some((e) => e.type === "log" && e.data.includes("from-run"))).toBe(true);
    const shown = tsbuild(env, ["inspect", "api/order:1"]);
    expect(shown.code, shown.stderr).toBe(0);
    const info = JSON.parse(shown.stdout) as { Id: string; Digest: string; Layers: { digest: string; diffId: string; size: number }[] };
    expect(info.Id).toBe(result.configDigest);
    expect(info.Digest).toBe(result.manifestDigest);
    expect(info.Layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size }))).toEqual(result.layers);
  });

  it("keeps a builder open across builds, rebuilds from cache, and refuses builds after close", async () => {
    const builder = createBuilder({ root: env.root, runtime: "runc" });
    const ctx = env.context({ Dockerfile: "FROM busybox\nRUN echo one > /one\n" });
    // A fixed SOURCE_DATE_EPOCH: otherwise `created`, and so the image ID, follows the clock.
    const first = await builder.build({ context: ctx, sourceDateEpoch: 0 });
    const second = builder.build({ context: ctx, sourceDateEpoch: 0 });
    const statuses: VertexStatus[] = [];
    for await (const e of second) if (e.type === "vertex") statuses.push(e.status);
    expect((await second).configDigest).toBe(first.configDigest);
    expect((await second).executed).toBe(0);
    expect(statuses.filter((s) => s === "cached")).toHaveLength(2);
    await builder.close();
    await expect(builder.build({ context: ctx })).rejects.toBeInstanceOf(InputError);
  });

  it("cancels through an AbortSignal during a RUN within 2 s, leaving no process or mount", async () => {
    const marker = `sleep ${4000 + Math.floor(Math.random() * 1000)}`;
    const ctx = env.context({ Dockerfile: `FROM busybox\nRUN echo started && ${marker}\n` });
    const abort = new AbortController();
    const handle = build({ context: ctx, root: env.root, runtime: "runc", signal: abort.signal });
    let abortedAt = 0;
    let caught: unknown;
    const statuses: VertexStatus[] = [];
    try {
      for await (const e of handle) {
        if (e.type === "vertex") statuses.push(e.status);
        if (e.type === "log" && e.data.includes("started") && abortedAt === 0) {
          abortedAt = Date.now();
          abort.abort(new Error("test abort"));
        }
      }
    } catch (err) {
      caught = err;
    }
    const took = Date.now() - abortedAt;
    expect(abortedAt, "the RUN step never printed").toBeGreaterThan(0);
    expect(caught).toBeInstanceOf(BuildCanceledError);
    await expect(handle).rejects.toBeInstanceOf(BuildCanceledError);
    expect(took).toBeLessThan(2000);
    expect(statuses).toContain("canceled");
    expect(leftovers(env.root, marker)).toEqual([]);
    for (const dir of ["work", "mounts"]) {
      const p = join(env.root, dir);
      expect(existsSync(p) ? readdirSync(p) : [], `${dir}/ after cancel`).toEqual([]);
    }
  }, 30_000);

  it("prints plain progress without escape sequences, json one event per line, and quiet only the image ID", () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nRUN printf '\\033[31mred\\033[0m\\r\\nbell\\007\\n'\n" });
    const plain = tsbuild(env, ["build", "--progress", "plain", "--runtime", "runc", "--no-cache", ctx]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^#\d+ \d+\.\d{3} \?\[31mred\?\[0m$/m);
    expect(plain.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(plain.stderr).toMatch(/^#\* built sha256:[0-9a-f]{64} in \d+\.\ds: \d+ steps? run, \d+ cached$/m);
    expect(plain.stdout).toBe("");
    const json = tsbuild(env, ["build", "--progress", "json", "--runtime", "runc", ctx]);
    expect(json.code, json.stderr).toBe(0);
    const lines = json.stderr.trim().split("\n").map((l) => JSON.parse(l) as { type: string; configDigest?: string });
    expect(lines.at(-1)?.type).toBe("result");
    expect(lines.slice(0, -1).every((l) => ["vertex", "log", "progress", "diagnostic"].includes(l.type))).toBe(true);
    const quiet = tsbuild(env, ["build", "-q", "--runtime", "runc", ctx]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe(`${lines.at(-1)?.configDigest}\n`);
    expect(quiet.stderr).toBe("");
  });
});
