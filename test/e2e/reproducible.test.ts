// Reproducible builds: with SOURCE_DATE_EPOCH, copies of one context in different directories,
// with different mtimes and a different umask, build to the same manifest digest. As with
// BuildKit's rewrite-timestamp, mtimes newer than the epoch are clamped to it and older ones kept,
// so the copies carry mtimes after the epoch (a fresh checkout of an older commit).
import { chmodSync, cpSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/api/index.js";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = e2eMissing();
requirePrerequisites("reproducibility tests", missing);

const DOCKERFILE = [
  "FROM busybox AS gen",
  "RUN mkdir -p /out/d && echo generated > /out/d/g.txt && touch /out/stamp",
  "FROM busybox",
  "WORKDIR /app/work",
  "COPY . /app/",
  "COPY --from=gen /out/ /gen/",
  "RUN echo built > /app/built.txt && mkdir -p /var/made",
  'CMD ["cat", "/app/built.txt"]',
  "",
].join("\n");

/** writeContext writes the same files into `dir` with explicit modes and the given mtime. */
function writeContext(dir: string, mtime: Date): void {
  mkdirSync(join(dir, "sub/deeper"), { recursive: true });
  const files: [string, string, number][] = [["Dockerfile", DOCKERFILE, 0o644], ["a.txt", "alpha\n", 0o644], ["sub/run.sh", "#!/bin/sh\necho hi\n", 0o755], ["sub/deeper/c.txt", "gamma\n", 0o600]];
  for (const [name, content, mode] of files) {
    writeFileSync(join(dir, name), content);
    chmodSync(join(dir, name), mode);
  }
  for (const d of ["sub/deeper", "sub", "."]) chmodSync(join(dir, d), 0o755);
  for (const p of ["a.txt", "sub/run.sh", "sub/deeper/c.txt", "Dockerfile", "sub/deeper", "sub", "."]) utimesSync(join(dir, p), mtime, mtime);
}

describe.skipIf(missing !== undefined)("reproducible builds (SOURCE_DATE_EPOCH)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("gives the same manifest digest from copies in different dirs, mtimes and umask", async () => {
    const one = join(env.dir, "first/ctx");
    const two = join(env.dir, "second/elsewhere/ctx");
    mkdirSync(one, { recursive: true });
    mkdirSync(two, { recursive: true });
    writeContext(one, new Date("2024-01-02T03:04:05Z"));
    const saved = process.umask(0o022);
    let a, b;
    try {
      a = await build({ context: one, root: env.root, runtime: "runc", sourceDateEpoch: 1_700_000_000, noCache: true, tags: ["repro:a"] });
      process.umask(0o077);
      cpSync(one, two, { recursive: true });
      writeContext(two, new Date("2024-06-07T08:09:10Z"));
      b = await build({ context: two, root: env.root, runtime: "runc", sourceDateEpoch: 1_700_000_000, noCache: true, tags: ["repro:b"] });
    } finally {
      process.umask(saved);
    }
    expect(b.layers.map((l) => l.diffId)).toEqual(a.layers.map((l) => l.diffId));
    expect(b.layers.map((l) => l.digest)).toEqual(a.layers.map((l) => l.digest));
    expect(b.configDigest).toBe(a.configDigest);
    expect(b.manifestDigest).toBe(a.manifestDigest);
    const other = await build({ context: two, root: env.root, runtime: "runc", sourceDateEpoch: 1_600_000_000, noCache: true });
    expect(other.manifestDigest).not.toBe(a.manifestDigest);
  });
});
