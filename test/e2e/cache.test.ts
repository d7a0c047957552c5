// Cache correctness: each kind of change reruns exactly the steps that depend on it.
import { execFileSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, type BuildOptions } from "../../src/api/index.js";
import { importRootfs } from "../../src/image/import.js";
import { openStore } from "../../src/store/store.js";
import { makeBusyboxRootfs } from "../helpers/rootfs.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing();
requirePrerequisites("cache tests", missing);

describe.skipIf(missing !== undefined)("build cache correctness", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  const opts = (context: string, extra: Partial<BuildOptions> = {}): BuildOptions => ({ context, root: env.root, runtime: "runc", ...extra });

  it("reruns the COPY and what follows when a file's mode changes", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nRUN echo first > /first\nCOPY run.sh /run.sh\nRUN stat -c %a /run.sh > /mode\n", "run.sh": "echo hi\n" });
    chmodSync(join(ctx, "run.sh"), 0o644);
    await build(opts(ctx));
    expect((await build(opts(ctx))).executed).toBe(0);
    chmodSync(join(ctx, "run.sh"), 0o755);
    const r = await build(opts(ctx, { tags: ["cache/mode:1"] }));
    expect(r.executed).toBe(2);
    expect(r.cached).toBe(2); // base image and the first RUN
    expect((await unpack(env, "cache/mode:1")).read("mode").trim()).toBe("755");
  });

  it("a fully cached rebuild gives the same image ID (layers dated when built, as BuildKit does); a rerun step gets a new time", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nRUN echo dated > /dated\nENV A=1\nARG N=1\nRUN echo $N > /n\nLABEL x=y\n" });
    const first = await build(opts(ctx, { buildArgs: { N: "1" } }));
    await new Promise((r) => setTimeout(r, 1100)); // a new build in another second
    const again = await build(opts(ctx, { buildArgs: { N: "1" } }));
    expect(again.executed).toBe(0);
    expect(again.configDigest).toBe(first.configDigest);
    const changed = await build(opts(ctx, { buildArgs: { N: "2" }, tags: ["cache/created:1"] }));
    expect(changed.executed).toBe(1);
    const history = (await unpack(env, "cache/created:1")).config.history as { created: string; created_by: string }[];
    const [run1, envA, arg, run2, label] = history.slice(-5);
    expect(history.slice(-5).map((h) => h.created_by.split(" ")[0])).toEqual(["RUN", "ENV", "ARG", "RUN", "LABEL"]);
    expect(arg!.created).toBe(run2!.created);
    // BuildKit's rule: metadata entries take the first new layer's time after them, then the time of the layer before them.
    expect(Date.parse(run2!.created)).toBeGreaterThan(Date.parse(run1!.created));
    expect([envA!.created, label!.created]).toEqual([run2!.created, run2!.created]);
  }, 60_000);

  it("reruns only the steps that use a changed build arg; an unused build arg changes nothing", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nRUN echo before > /before\nARG V=one\nRUN echo before-use > /b2\nRUN echo $V > /v\n" });
    expect((await build(opts(ctx, { buildArgs: { V: "one" } }))).executed).toBe(3);
    const unused = await build(opts(ctx, { buildArgs: { V: "one", UNUSED: "x" } }));
    expect(unused.executed).toBe(0);
    expect(unused.unusedBuildArgs).toEqual(["UNUSED"]);
    // Like BuildKit, every RUN after a changed ARG's declaration sees it in its environment.
    const changed = await build(opts(ctx, { buildArgs: { V: "two" }, tags: ["cache/arg:2"] }));
    expect(changed.executed).toBe(2);
    expect((await unpack(env, "cache/arg:2")).read("v").trim()).toBe("two");
  });

  it("reruns only the steps after a changed ENV value", async () => {
    const df = (v: string) => `FROM busybox\nRUN echo a > /a\nENV MODE=${v}\nRUN echo $MODE > /mode\nRUN echo after > /after\n`;
    expect((await env.build({ Dockerfile: df("dev") })).executed).toBe(3);
    expect((await env.build({ Dockerfile: df("dev") })).executed).toBe(0);
    const r = await env.build({ Dockerfile: df("prod") }, { tags: ["cache/env:2"] });
    expect(r.executed).toBe(2);
    expect((await unpack(env, "cache/env:2")).read("mode").trim()).toBe("prod");
  });

  it("reruns every step when the base image's digest changes under the same tag", async () => {
    const ctx = env.context({ Dockerfile: "FROM busybox AS base\nRUN echo one > /one\nCOPY f /f\nRUN cat /marker > /seen || echo none > /seen\n", f: "f\n" });
    expect((await build(opts(ctx))).executed).toBe(3);
    expect((await build(opts(ctx))).executed).toBe(0);
    const fs = makeBusyboxRootfs();
    const tar = join(env.dir, "busybox-2.tar");
    try {
      writeFileSync(join(fs.rootfs, "marker"), "new base\n");
      execFileSync("tar", ["-C", fs.rootfs, "-cf", tar, "."]);
    } finally {
      fs.cleanup();
    }
    const store = openStore(env.root);
    try {
      await importRootfs(store, tar, ["busybox:latest"], { sourceDateEpoch: 0 });
    } finally {
      store.close();
    }
    const r = await build(opts(ctx, { tags: ["cache/base:2"] }));
    expect(r.executed).toBe(4); // the new base image is unpacked, then every step reruns
    expect((await unpack(env, "cache/base:2")).read("seen")).toBe("new base\n");
  });
});
