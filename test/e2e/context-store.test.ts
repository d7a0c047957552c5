// A build whose store lies inside its context (TSBUILD_ROOT=./.tsbuild in a project, a CI cache
// dir in the workspace): the store is left out of the context with a ContextDirSkipped warning,
// so `COPY . .` neither sends it into the image nor trips over the build's own writes to it
// (they used to fail the COPY: "build context path store/meta.db-shm was modified").
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildEvent } from "../../src/core/events.js";
import { locationOf } from "../../src/core/diagnostic.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing();
requirePrerequisites("end-to-end builds", missing);

describe.skipIf(missing !== undefined)("a store inside the build context (end to end)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("leaves the store out of COPY . with a warning, also when the ignore file excludes it with a ! exception inside", async () => {
    // env.dir holds the store (env.root = env.dir/store) next to the busybox tar, env.build's own contexts and unpack's dirs.
    writeFileSync(join(env.dir, "Dockerfile"), "FROM busybox\nCOPY . /ctx/\nRUN ls -A /ctx > /listing\n");
    writeFileSync(join(env.dir, "app.txt"), "app\n");
    const ignores = ["busybox.tar\nctx-*\nunpacked-*\n", "busybox.tar\nctx-*\nunpacked-*\nstore\n!store/meta.db\n"];
    for (const [i, ignore] of ignores.entries()) {
      writeFileSync(join(env.dir, ".dockerignore"), ignore);
      const events: BuildEvent[] = [];
      // The first build fills the store the second one's context holds.
      await env.build({}, { context: env.dir, tags: [`ctx-store:${i}`], onEvent: (e: BuildEvent) => events.push(e) });
      const built = await unpack(env, `ctx-store:${i}`);
      expect(built.read("listing").split("\n").filter(Boolean).sort()).toEqual([".dockerignore", "Dockerfile", "app.txt"]);
      expect(existsSync(join(built.rootfs, "ctx/store"))).toBe(false);
      const warnings = events.flatMap((e) => (e.type === "diagnostic" && e.diagnostic.code === "ContextDirSkipped" ? [e.diagnostic] : []));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toBe(`leaving "store" out of the build context: it is tsbuild's store, which builds never send`);
      expect(locationOf(warnings[0]!)).toBe(env.root);
    }
    expect(readdirSync(join(env.root, "blobs/sha256")).length).toBeGreaterThan(0);
  });
});
