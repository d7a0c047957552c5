// USER and --chown with names resolved in the image, WORKDIR creation, and .dockerignore.
import { existsSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing();
requirePrerequisites("end-to-end builds", missing);

describe.skipIf(missing !== undefined)("USER, --chown, WORKDIR and .dockerignore (end to end)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("resolves --chown names and USER in the image, and creates WORKDIR owned by USER", async () => {
    await env.build(
      {
        Dockerfile: [
          "FROM busybox",
          "COPY --chown=app:staff owned.txt /srv/new/owned.txt",
          "COPY --chown=app data/ /srv/data/",
          "COPY --chown=1234:5678 owned.txt /srv/numeric.txt",
          "USER app",
          "WORKDIR /home/app/work/deep",
          "RUN id -u > uid && id -g > gid && pwd > where",
          "USER nobody:nogroup",
          "",
        ].join("\n"),
        "owned.txt": "mine\n",
        "data/x.txt": "x\n",
      },
      { tags: ["users:1"] },
    );
    const img = await unpack(env, "users:1");
    const st = (p: string) => lstatSync(join(img.rootfs, p));
    expect([st("srv/new/owned.txt").uid, st("srv/new/owned.txt").gid]).toEqual([1000, 50]);
    expect([st("srv/new").uid, st("srv/new").gid]).toEqual([1000, 50]); // created by the --chown copy
    expect(st("srv").uid).toBe(1000);
    expect([st("srv/data/x.txt").uid, st("srv/data/x.txt").gid]).toEqual([1000, 1000]);
    expect([st("srv/numeric.txt").uid, st("srv/numeric.txt").gid]).toEqual([1234, 5678]);
    expect(st("home/app/work/deep").isDirectory()).toBe(true);
    expect(st("home/app/work/deep").uid).toBe(1000);
    expect(st("home/app/work").uid).toBe(1000); // every directory WORKDIR creates belongs to USER, as BuildKit's mkdir -p
    expect(st("home/app/work/deep").mode & 0o777).toBe(0o755);
    expect(img.read("home/app/work/deep/uid").trim()).toBe("1000");
    expect(img.read("home/app/work/deep/gid").trim()).toBe("1000");
    expect(img.read("home/app/work/deep/where").trim()).toBe("/home/app/work/deep");
    expect(img.config.config).toMatchObject({ User: "nobody:nogroup", WorkingDir: "/home/app/work/deep" });
  });

  it("fails clearly when a --chown name is not in the image", async () => {
    await expect(env.build({ Dockerfile: "FROM busybox\nCOPY --chown=ghost f /f\n", f: "f\n" })).rejects.toThrow(/ghost/);
  });

  it("leaves out what .dockerignore excludes, keeping re-included files", async () => {
    await env.build(
      {
        Dockerfile: "FROM busybox\nCOPY . /ctx/\n",
        ".dockerignore": "*.log\nsecret/\nbuild/**\n!build/keep.txt\n",
        "app.js": "js\n",
        "debug.log": "log\n",
        "secret/key": "k\n",
        "build/out.o": "o\n",
        "build/keep.txt": "keep\n",
      },
      { tags: ["ignore:1"] },
    );
    const img = await unpack(env, "ignore:1");
    expect(img.read("ctx/app.js")).toBe("js\n");
    expect(img.read("ctx/build/keep.txt")).toBe("keep\n");
    expect(existsSync(join(img.rootfs, "ctx/debug.log"))).toBe(false);
    expect(existsSync(join(img.rootfs, "ctx/secret"))).toBe(false);
    expect(existsSync(join(img.rootfs, "ctx/build/out.o"))).toBe(false);
    expect(existsSync(join(img.rootfs, "ctx/.dockerignore"))).toBe(true);
  });
});
