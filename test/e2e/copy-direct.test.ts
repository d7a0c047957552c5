// A COPY of one context source to a new top-level destination writes its layer blob straight from
// the context, without a snapshot (src/executor/ops/copy-direct.ts). Its layer must be byte for
// byte the one the snapshot path writes (forced here with --chown=0:0, which changes no owner):
// the same diffID for directories, nested and empty files, files read whole, prefetched and
// streamed, symlinks, setuid and private modes, --chmod, single-file and nested destinations. The
// step leaves no layer dir; a later build's step sees its files (the dir is unpacked from the
// blob), a rebuild is all cached, a context file changed during the copy is refused, and fsck
// passes. A COPY that a later step of the same build mounts takes the snapshot path
// (OpContext.consumed; test/executor/scheduler.test.ts checks the scheduler sets it).
import { chmodSync, existsSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStore } from "../../src/api/images.js";
import { build } from "../../src/api/index.js";
import type { BuildEvent } from "../../src/core/events.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing();
requirePrerequisites("direct COPY tests", missing);

const EPOCH = 1_700_000_000;

/** writeContext writes a context with every kind of entry a COPY carries. */
function writeContext(dir: string): void {
  const file = (path: string, content: string | Buffer, mode = 0o644): void => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
    chmodSync(join(dir, path), mode);
  };
  file("one.txt", "one\n");
  file("tree/a.txt", "alpha\n");
  file("tree/empty", "");
  file("tree/run.sh", "#!/bin/sh\necho hi\n", 0o755);
  file("tree/suid", "s\n", 0o4755);
  file("tree/sub/deep/prefetched.bin", Buffer.alloc(300 * 1024, 7));
  file("tree/streamed.bin", Buffer.alloc(3 * 1024 * 1024 + 5, 9));
  file("tree/private/secret", "x\n", 0o600);
  chmodSync(join(dir, "tree/private"), 0o700);
  symlinkSync("a.txt", join(dir, "tree/link"));
  const old = new Date("2023-01-02T03:04:05Z");
  for (const p of ["tree/a.txt", "tree/sub/deep", "tree/sub", "tree/private", "tree"]) utimesSync(join(dir, p), old, old);
}

/** layerDirs is where the env's store keeps step layer dirs. */
const layerDir = (env: Env, diffId: string): string => join(env.root, "layers", diffId.slice("sha256:".length));

describe.skipIf(missing !== undefined)("direct COPY from the build context", () => {
  let env: Env;
  let ctx: string;
  beforeAll(async () => {
    env = await makeEnv();
    ctx = env.context({});
    writeContext(ctx);
  });
  afterAll(() => env?.cleanup());

  const buildWith = (dockerfile: string, tag: string) => {
    writeFileSync(join(ctx, "Dockerfile"), dockerfile);
    return build({ context: ctx, root: env.root, runtime: "runc", sourceDateEpoch: EPOCH, tags: [tag] });
  };

  it.each([
    ["a directory into a new directory", "COPY {} tree/ /data/"],
    ["a directory to a new nested path", "COPY {} tree /new/sub/more"],
    ["a file to a new top-level name", "COPY {} one.txt /one.txt"],
    ["a file into a new nested directory", "COPY {} one.txt /a/b/"],
    ["a directory with --chmod", "COPY {} --chmod=0640 tree/ /m/"],
  ])("writes %s as the snapshot path does", async (_, line) => {
    const direct = await buildWith(`FROM busybox\n${line.replace("{} ", "")}\n`, "direct:1");
    const diffId = direct.layers.at(-1)!.diffId;
    expect(existsSync(layerDir(env, diffId)), "the direct path makes no layer dir").toBe(false);
    const snapshot = await buildWith(`FROM busybox\n${line.replace("{}", "--chown=0:0")}\n`, "snapshot:1");
    expect(existsSync(layerDir(env, diffId)), "the snapshot path keeps its layer dir").toBe(true);
    expect(snapshot.layers.map((l) => l.diffId)).toEqual(direct.layers.map((l) => l.diffId));
    expect(snapshot.layers.at(-1)!.digest).toBe(direct.layers.at(-1)!.digest);
  });

  it("makes the layer dir from the blob when a later build's step mounts it, caches the step, and passes fsck", async () => {
    const copy = "FROM busybox\nCOPY tree/ /lazy/\n";
    const leaf = await buildWith(copy, "lazy:0");
    const diffId = leaf.layers.at(-1)!.diffId;
    expect(existsSync(layerDir(env, diffId)), "the COPY is the build's last step: no layer dir").toBe(false);
    // The COPY is a cache hit here; the RUN mounts its layer, which is unpacked from the blob.
    const dockerfile = `${copy}RUN test -f /lazy/sub/deep/prefetched.bin && test -u /lazy/suid && readlink /lazy/link > /seen && cat /lazy/a.txt >> /seen\n`;
    const first = await buildWith(dockerfile, "lazy:1");
    expect([first.cached, first.layers.at(-2)!.diffId]).toEqual([2, diffId]);
    expect(existsSync(layerDir(env, diffId)), "the RUN step unpacked the COPY layer to mount it").toBe(true);
    expect((await unpack(env, "lazy:1")).read("seen")).toBe("a.txt\nalpha\n");
    const again = await buildWith(dockerfile, "lazy:2");
    expect([again.executed, again.manifestDigest]).toEqual([0, first.manifestDigest]);
    expect((await checkStore({ root: env.root })).problems).toEqual([]);
  });

  it("lets a later step of the same build mount the COPY (which then takes the snapshot path)", async () => {
    const built = await buildWith("FROM busybox\nCOPY tree/ /mounted/\nRUN test -x /mounted/run.sh && test -L /mounted/link\n", "mounted:1");
    expect(built.executed).toBe(2);
    expect(existsSync(layerDir(env, built.layers.at(-2)!.diffId))).toBe(true);
  });

  it("refuses a context file changed after the walk", async () => {
    const grower = join(ctx, "grow/file");
    mkdirSync(join(ctx, "grow"), { recursive: true });
    writeFileSync(grower, "0123456789");
    writeFileSync(join(ctx, "Dockerfile"), "FROM busybox\nCOPY grow/ /grow/\n");
    const run = build({
      context: ctx,
      root: env.root,
      runtime: "runc",
      tags: ["grow:1"],
      onEvent: (e: BuildEvent) => {
        // The context was walked and hashed before the COPY step starts: change the file under it.
        if (e.type === "vertex" && e.status === "running" && e.name.includes("COPY")) writeFileSync(grower, "0123456789abcdef");
      },
    });
    await expect(run).rejects.toThrow(/grow\/file" was (modified|replaced)/);
  });
});
