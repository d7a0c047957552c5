// The container lifecycle through the CLI: kill -s, rm of a running container, commit.
import { expect, it } from "vitest";
import { describeLifecycle, psRow, tsbuild, until } from "./lifecycle-helpers.js";

describeLifecycle("container lifecycle (CLI): kill, commit", (env) => {
  it("rm refuses a running container without -f; kill -s delivers a signal", async () => {
    const d = tsbuild(env, ["run", "-d", "--name", "k", "busybox", "sh", "-c", 'trap "echo got-hup; exit 9" HUP; echo up; while true; do sleep 0.1; done']);
    expect(d.code, d.stderr).toBe(0);
    await until("the trap", () => tsbuild(env, ["logs", "k"]).stdout.includes("up"));
    const refused = tsbuild(env, ["rm", "k"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("container k is running");
    expect(tsbuild(env, ["kill", "-s", "HUP", "k"]).code).toBe(0);
    await until("exit after HUP", () => /Exited \(9\)/.test(psRow(env, "k") ?? ""));
    expect(tsbuild(env, ["logs", "k"]).stdout).toContain("got-hup");
    expect(tsbuild(env, ["rm", "-f", "k"]).code).toBe(0);
  });

  it("commit makes the writable layer a new image that run sees", () => {
    const c = tsbuild(env, ["run", "--name", "changer", "busybox", "sh", "-c", "echo committed > /etc/marker && rm /bin/true"]);
    expect(c.code, c.stderr).toBe(0);
    const commit = tsbuild(env, ["commit", "changer", "changed:1"]);
    expect(commit.code, commit.stderr).toBe(0);
    expect(commit.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const seen = tsbuild(env, ["run", "--rm", "changed:1", "sh", "-c", "cat /etc/marker; ls /bin/true || echo no-true"]);
    expect(seen.stdout).toContain("committed\n");
    expect(seen.stdout).toContain("no-true");
    const hist = tsbuild(env, ["inspect", "changed:1"]);
    expect(hist.stdout).toContain("tsbuild commit changer");
    expect(tsbuild(env, ["run", "--rm", "busybox", "cat", "/etc/marker"]).code).not.toBe(0);
    expect(tsbuild(env, ["rm", "changer"]).code).toBe(0);
  });
});
