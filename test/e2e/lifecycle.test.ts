// The container lifecycle through the CLI: run --rm and exit codes, names, run -d with logs -f,
// exec, stop -t 1 of a process that ignores SIGTERM, rm.
import { expect, it } from "vitest";
import { background, describeLifecycle, mountsUnder, psRow, tsbuild, until } from "./lifecycle-helpers.js";

describeLifecycle("container lifecycle (CLI): run, logs, exec, stop, rm", (env) => {
  it("run --rm returns the exit code and leaves nothing; without --rm the container stays as exited", () => {
    const r = tsbuild(env, ["run", "--rm", "--name", "gone", "busybox", "sh", "-c", "echo out; exit 7"]);
    expect(r.stdout).toBe("out\n");
    expect(r.code, r.stderr).toBe(7);
    expect(psRow(env, "gone")).toBeUndefined();
    const kept = tsbuild(env, ["run", "--name", "kept", "busybox", "sh", "-c", "exit 3"]);
    expect(kept.code).toBe(3);
    expect(psRow(env, "kept")).toMatch(/Exited \(3\)/);
    expect(tsbuild(env, ["ps"]).stdout).not.toContain("kept");
    const dup = tsbuild(env, ["run", "--name", "kept", "busybox", "true"]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('the container name "kept" is already in use');
    expect(tsbuild(env, ["rm", "kept"]).code).toBe(0);
    expect(psRow(env, "kept")).toBeUndefined();
  });

  it("run -d keeps running; logs -f, exec, stop -t 1 of a process ignoring SIGTERM, rm", async () => {
    const script = 'trap "" TERM; echo ready; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done';
    const d = tsbuild(env, ["run", "-d", "--name", "svc", "busybox", "sh", "-c", script]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(psRow(env, "svc")).toMatch(/ Up /);
    // As docker start: starting a running container leaves it running and succeeds.
    expect(tsbuild(env, ["start", "svc"])).toMatchObject({ code: 0, stdout: "svc\n" });
    const follow = background(env, ["logs", "-f", "svc"]);
    await until("logs -f output", () => follow.out().includes("tick 2"));
    const ex = tsbuild(env, ["exec", "svc", "sh", "-c", "echo exec-$HOSTNAME-$(cat /proc/1/cmdline | tr '\\0' ' ' | cut -c1-5); exit 4"]);
    expect(ex.code, ex.stderr).toBe(4);
    expect(ex.stdout).toMatch(/^exec-[0-9a-f]+-sh -c\n$/);
    expect(tsbuild(env, ["exec", "-i", "svc", "cat"], "piped in\n").stdout).toBe("piped in\n");
    const t0 = Date.now();
    const stop = tsbuild(env, ["stop", "-t", "1", "svc"]);
    const took = Date.now() - t0;
    expect(stop.code, stop.stderr).toBe(0);
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(10_000);
    expect(await follow.done).toEqual({ code: 0, signal: null });
    expect(follow.out()).toMatch(/^ready\ntick 0\ntick 1\n/);
    expect(psRow(env, "svc")).toMatch(/Exited \(137\)/);
    expect(tsbuild(env, ["logs", "--tail", "1", "svc"]).stdout).toMatch(/^tick \d+\n$/);
    expect(tsbuild(env, ["rm", "svc"]).code).toBe(0);
    expect(psRow(env, "svc")).toBeUndefined();
    expect(mountsUnder(env.root)).toEqual([]);
  });
});
