// prune removes the unpacked layer snapshots nothing uses any more (<store>/layers), as BuildKit's
// prune removes its snapshots, and keeps those of containers' images.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeLifecycle, tsbuild } from "./lifecycle-helpers.js";

describeLifecycle("prune and unpacked layer snapshots", (env) => {
  it("prune -af removes the build's snapshots, keeps a container's, and builds and starts work after it", () => {
    const layers = () => readdirSync(join(env.root, "layers")).filter((n) => n !== "empty" && !n.includes(".")).sort();
    const c = tsbuild(env, ["create", "busybox", "cat", "/etc/passwd"]);
    expect(c.code, c.stderr).toBe(0);
    const kept = layers();
    expect(kept.length).toBeGreaterThan(0);
    const ctx = env.context({ "Dockerfile.prune": "FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n" });
    const built = tsbuild(env, ["build", "--progress", "plain", "-f", join(ctx, "Dockerfile.prune"), "-t", "prune:1", ctx]);
    expect(built.code, built.stderr).toBe(0);
    expect(layers().length).toBeGreaterThanOrEqual(kept.length + 2);
    const pruned = tsbuild(env, ["prune", "-af"]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/unpacked layer snapshots/);
    expect(layers()).toEqual(kept);
    expect(tsbuild(env, ["fsck"]).stdout).toMatch(/: ok/);
    const started = tsbuild(env, ["start", "-a", c.stdout.trim()]);
    expect(started.stdout, started.stderr).toContain("root:x:0:0");
    expect(tsbuild(env, ["rm", c.stdout.trim()]).code).toBe(0);
  });
});
