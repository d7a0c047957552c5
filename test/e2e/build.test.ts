// End-to-end builds through the API: real parser, planner, scheduler, overlay snapshots, runc
// sandbox and store. Each test checks the built image's files and config.
import { existsSync, lstatSync, readlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStepError } from "../../src/api/index.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing();
requirePrerequisites("end-to-end builds", missing);

describe.skipIf(missing !== undefined)("tsbuild build (end to end)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("builds ENV, WORKDIR, COPY, RUN, USER and CMD into image files and config", async () => {
    const r = await env.build(
      {
        Dockerfile: 'FROM busybox\nENV GREETING=hi\nWORKDIR /app\nCOPY src/ ./src/\nRUN echo "$GREETING from $(id -u) in $(pwd)" > out.txt\nUSER app\nCMD ["cat", "/app/out.txt"]\n',
        "src/a.txt": "hello\n",
        "src/sub/b.txt": "bee\n",
      },
      { tags: ["e2e/basic:1"] },
    );
    expect(r.executed).toBe(4);
    const img = await unpack(env, "e2e/basic:1");
    expect(img.read("app/out.txt")).toBe("hi from 0 in /app\n");
    expect(img.read("app/src/a.txt")).toBe("hello\n");
    expect(img.read("app/src/sub/b.txt")).toBe("bee\n");
    expect(lstatSync(join(img.rootfs, "app/src/a.txt")).uid).toBe(0);
    expect(img.config.config).toMatchObject({ WorkingDir: "/app", User: "app", Cmd: ["cat", "/app/out.txt"] });
    expect(img.config.config.Env).toContain("GREETING=hi");
    const layered = img.config.history.filter((h) => h.empty_layer !== true);
    expect(layered).toHaveLength(img.config.rootfs.diff_ids.length);
    expect(img.config.history.map((h) => h.created_by)).toContain('RUN /bin/sh -c echo "$GREETING from $(id -u) in $(pwd)" > out.txt # buildkit');
  });

  it("rebuilds from cache, ignores mtime-only changes, and reruns exactly what a content change touches", async () => {
    const files = { Dockerfile: "FROM busybox\nWORKDIR /w\nCOPY a.txt .\nRUN cat a.txt > copy.txt\n", "a.txt": "one\n" };
    const ctx = env.context(files);
    const opts = { context: ctx, root: env.root, runtime: "runc" as const };
    const { build } = await import("../../src/api/index.js");
    expect((await build(opts)).executed).toBe(3);
    expect((await build(opts)).executed).toBe(0);
    utimesSync(join(ctx, "a.txt"), new Date(1_000_000), new Date(1_000_000));
    expect((await build(opts)).executed).toBe(0);
    writeFileSync(join(ctx, "a.txt"), "two\n");
    const changed = await build({ ...opts, tags: ["e2e/cache:2"] });
    expect(changed.executed).toBe(2); // COPY and RUN; WORKDIR stays cached
    expect((await unpack(env, "e2e/cache:2")).read("w/copy.txt")).toBe("two\n");
  });

  it("multi-stage: COPY --from copies a file built in another stage", async () => {
    await env.build(
      { Dockerfile: "FROM busybox AS build\nRUN mkdir -p /out && echo artifact > /out/bin.txt && ln -s bin.txt /out/link\nFROM busybox\nCOPY --from=build /out/ /opt/\n" },
      { tags: ["e2e/multi:1"] },
    );
    const img = await unpack(env, "e2e/multi:1");
    expect(img.read("opt/bin.txt")).toBe("artifact\n");
    expect(readlinkSync(join(img.rootfs, "opt/link"))).toBe("bin.txt");
  });

  it("runs heredocs and writes heredoc files", async () => {
    await env.build(
      { Dockerfile: "FROM busybox\nARG WHO=world\nRUN <<EOF\necho one > /one\necho $WHO > /two\nEOF\nCOPY <<EOT /etc/greeting\nhello ${WHO}\nEOT\n" },
      { tags: ["e2e/heredoc:1"], buildArgs: { WHO: "you" } },
    );
    const img = await unpack(env, "e2e/heredoc:1");
    expect(img.read("one")).toBe("one\n");
    expect(img.read("two")).toBe("you\n");
    expect(img.read("etc/greeting")).toBe("hello you\n");
  });

  it("keeps secrets out of the layers and keeps cache mounts across builds", async () => {
    const df = "FROM busybox\nRUN --mount=type=secret,id=tok cat /run/secrets/tok > /dev/null && test ! -e /leak\nRUN --mount=type=cache,target=/cache sh -c 'echo x >> /cache/log; wc -l < /cache/log > /count'\n";
    await env.build({ Dockerfile: df }, { tags: ["e2e/mounts:1"], secrets: { tok: "s3cret-value" } });
    await env.build({ Dockerfile: df }, { tags: ["e2e/mounts:2"], secrets: { tok: "s3cret-value" }, noCache: true });
    const img = await unpack(env, "e2e/mounts:2");
    expect(img.read("count").trim()).toBe("2");
    expect(existsSync(join(img.rootfs, "run/secrets/tok"))).toBe(false);
    expect(JSON.stringify(img.config)).not.toContain("s3cret");
  });

  it("a failing RUN reports the step, line, exit code and last output lines", async () => {
    const err = await env.build({ Dockerfile: "FROM busybox\nRUN echo about to fail && exit 3\n" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunStepError);
    const e = err as RunStepError;
    expect(e.exitCode).toBe(3);
    expect(e.range?.start.line).toBe(2);
    expect(e.lastLines).toContain("about to fail");
    expect(e.message).toContain("did not complete successfully: exit code: 3");
  });
});
