// USER and --chown with names resolved in the image, WORKDIR creation, and .dockerignore.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFixture, checkFixture, e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing();
requirePrerequisites("end-to-end builds", missing);

describe.skipIf(missing !== undefined)("USER, --chown, WORKDIR and .dockerignore (end to end)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("resolves --chown names and USER in the image, and creates WORKDIR owned by USER (fixtures/e2e/users)", async () => {
    const { fixture } = await buildFixture(env, "users", { tags: ["users:1"] });
    await checkFixture(env, fixture, "users:1");
  });

  it("creates WORKDIR directories, relative to the previous WORKDIR and with variables expanded (fixtures/e2e/workdir)", async () => {
    const { fixture } = await buildFixture(env, "workdir", { tags: ["workdir:1"] });
    await checkFixture(env, fixture, "workdir:1");
  });

  it("fails clearly when a --chown name is not in the image", async () => {
    await expect(env.build({ Dockerfile: "FROM busybox\nCOPY --chown=ghost f /f\n", f: "f\n" })).rejects.toThrow(/ghost/);
  });

  it("leaves out what .dockerignore excludes, keeping re-included files (fixtures/e2e/dockerignore)", async () => {
    const { fixture } = await buildFixture(env, "dockerignore", { tags: ["ignore:1"] });
    await checkFixture(env, fixture, "ignore:1");
  });
});
