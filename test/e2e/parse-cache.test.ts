// The CLI's parse cache (src/api/parse-cache.ts): a rebuild of an unchanged Dockerfile reads the
// parsed Dockerfile from <store>/parse-cache instead of loading the parser; an entry cut short is
// parsed again; syntax errors come out the same from the cache; prune removes it.
import { readdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeLifecycle, tsbuild } from "./lifecycle-helpers.js";

describeLifecycle("the CLI's parse cache", (env) => {
  it("serves an unchanged Dockerfile from the cache, survives a torn entry, and keeps diagnostics", () => {
    const dir = join(env.root, "parse-cache");
    const entries = () => readdirSync(dir).filter((n) => !n.endsWith(".tmp"));
    const ctx = env.context({});
    const file = join(ctx, "Dockerfile.pc");
    writeFileSync(file, "FROM busybox\nRUN echo parsed > /p\n");
    const args = ["build", "--progress", "plain", "-f", file, "-t", "pc:1", ctx];
    expect(tsbuild(env, args).code).toBe(0);
    expect(entries()).toHaveLength(1);
    const again = tsbuild(env, args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/CACHED/);
    truncateSync(join(dir, entries()[0]!), 5);
    expect(tsbuild(env, args).code).toBe(0);
    writeFileSync(file, "FROM busybox\nRUN --bogus=1 true\n");
    const bad1 = tsbuild(env, args);
    const bad2 = tsbuild(env, args);
    expect(bad1.code).toBe(1);
    expect(bad2.stderr).toBe(bad1.stderr);
    expect(bad2.stderr).toMatch(/bogus/);
    expect(entries()).toHaveLength(2);
    expect(tsbuild(env, ["prune"]).code).toBe(0);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });
});
