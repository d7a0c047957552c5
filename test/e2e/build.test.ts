// End-to-end builds through the API: real parser, planner, scheduler, overlay snapshots, runc
// sandbox and store. Each test checks the built image's files and config.
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStepError } from "../../src/api/index.js";
import { buildFixture, checkFixture, e2eMissing, filesContaining, makeEnv, unpack, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing();
requirePrerequisites("end-to-end builds", missing);

describe.skipIf(missing !== undefined)("tsbuild build (end to end)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("builds ENV, WORKDIR, COPY, RUN, USER and CMD into image files and config (fixtures/e2e/basic)", async () => {
    const { fixture, result } = await buildFixture(env, "basic", { tags: ["e2e/basic:1"] });
    expect(result.executed).toBe(4);
    const img = await checkFixture(env, fixture, "e2e/basic:1");
    const layered = img.config.history.filter((h) => h.empty_layer !== true);
    expect(layered).toHaveLength(img.config.rootfs.diff_ids.length);
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

  it("multi-stage: COPY --from copies a file built in another stage (fixtures/e2e/multi-stage)", async () => {
    const { fixture } = await buildFixture(env, "multi-stage", { tags: ["e2e/multi:1"] });
    await checkFixture(env, fixture, "e2e/multi:1");
  });

  it("runs heredocs and writes heredoc files (fixtures/e2e/heredoc)", async () => {
    const { fixture } = await buildFixture(env, "heredoc", { tags: ["e2e/heredoc:1"] });
    await checkFixture(env, fixture, "e2e/heredoc:1");
  });

  it("keeps secrets out of the layers, the history and the cache key (fixtures/e2e/secret)", async () => {
    // A fixed SOURCE_DATE_EPOCH: without it each build's `created` is its own time, so configs differ.
    const sourceDateEpoch = 1_700_000_000;
    const { fixture } = await buildFixture(env, "secret", { tags: ["e2e/secret:1"], sourceDateEpoch });
    await checkFixture(env, fixture, "e2e/secret:1");
    // Another secret value is the same cache key: the step stays cached and the image is the same.
    const again = await buildFixture(env, "secret", { tags: ["e2e/secret:2"], secrets: { tok: "other-value!" }, sourceDateEpoch });
    expect(again.result.executed).toBe(0);
    expect(again.result.configDigest).toBe((await buildFixture(env, "secret", { sourceDateEpoch })).result.configDigest);
    // Nothing in the store (layer blobs, configs, cache records, snapshots) holds either value.
    expect(filesContaining(env.root, "s3cret-value")).toEqual([]);
    expect(filesContaining(env.root, "other-value!")).toEqual([]);
  });

  it("keeps cache mounts across builds (fixtures/e2e/cache-mount)", async () => {
    const { fixture } = await buildFixture(env, "cache-mount", { tags: ["e2e/mounts:1"] });
    await checkFixture(env, fixture, "e2e/mounts:1");
    await buildFixture(env, "cache-mount", { tags: ["e2e/mounts:2"], noCache: true });
    const img = await unpack(env, "e2e/mounts:2");
    expect(img.read("count").trim()).toBe("2");
  });

  it("scopes ARG and ENV as BuildKit does, across stages (fixtures/e2e/arg-env-scoping)", async () => {
    const { fixture, result } = await buildFixture(env, "arg-env-scoping", { tags: ["e2e/scoping:1"] });
    expect(result.unusedBuildArgs).toEqual([]);
    await checkFixture(env, fixture, "e2e/scoping:1");
  });

  it("runs ONBUILD triggers in the child stage only (fixtures/e2e/onbuild)", async () => {
    const { fixture } = await buildFixture(env, "onbuild", { tags: ["e2e/onbuild:1"] });
    await checkFixture(env, fixture, "e2e/onbuild:1");
  });

  it("writes LABEL, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, USER, ENTRYPOINT and CMD into the config (fixtures/e2e/metadata)", async () => {
    const { fixture } = await buildFixture(env, "metadata", { tags: ["e2e/metadata:1"] });
    await checkFixture(env, fixture, "e2e/metadata:1");
  });

  it("copies context files, directories and symlinks as BuildKit does (fixtures/e2e/copy-context)", async () => {
    const { fixture } = await buildFixture(env, "copy-context", { tags: ["e2e/copy:1"] });
    await checkFixture(env, fixture, "e2e/copy:1");
  });

  it("records deleted files and directories as whiteouts (fixtures/e2e/whiteouts)", async () => {
    const { fixture } = await buildFixture(env, "whiteouts", { tags: ["e2e/whiteouts:1"] });
    await checkFixture(env, fixture, "e2e/whiteouts:1");
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
