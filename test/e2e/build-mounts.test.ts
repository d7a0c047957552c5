// RUN --mount=type=cache keys (id, sharing, from/source, mode/uid/gid, ro), secret files and env=,
// and RUN --network, end to end on the real sandbox.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";

const missing = e2eMissing();
requirePrerequisites("RUN --mount=type=cache and --network end-to-end tests", missing);

/**
 * twoSteps is a Dockerfile whose stages a and b run at once, each with a cache of `sharing`: a step
 * marks the cache, waits up to 4 s for the other's mark, lists what it sees, then removes its mark.
 */
function twoSteps(sharing: string, id: string): string {
  const step = (name: string, other: string) =>
    `FROM busybox AS ${name}\nRUN --mount=type=cache,id=${id},target=/c,sharing=${sharing} touch /c/${name}; ` +
    `for i in $(seq 40); do [ -e /c/${other} ] && break; sleep 0.1; done; ls /c > /seen; sleep 0.3; rm /c/${name}\n`;
  return `${step("a", "b")}${step("b", "a")}FROM busybox\nCOPY --from=a /seen /seen-a\nCOPY --from=b /seen /seen-b\n`;
}

describe.skipIf(missing !== undefined)("RUN --mount=type=cache and --network", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  // shared: both see both marks at once. private: they run at the same time (one 4 s wait, not
  // two) in different dirs. locked: the same dir, one after the other (two full waits).
  it.each([
    ["shared", "a\nb\n", "a\nb\n", [0, 4000]],
    ["private", "a\n", "b\n", [4000, 7500]],
    ["locked", "a\n", "b\n", [8000, 30_000]],
  ] as const)("sharing=%s: concurrent steps see %j and %j", async (sharing, seenA, seenB, [min, max]) => {
    const started = Date.now();
    await env.build({ Dockerfile: twoSteps(sharing, `id-${sharing}`) }, { tags: [`share:${sharing}`], jobs: 2 });
    const took = Date.now() - started;
    const img = await unpack(env, `share:${sharing}`);
    expect(img.read("seen-a")).toBe(seenA);
    expect(img.read("seen-b")).toBe(seenB);
    expect(took).toBeGreaterThanOrEqual(min);
    expect(took).toBeLessThan(max);
  }, 60_000);

  it("finds a cache by id whatever its target, and keeps it across builds", async () => {
    await env.build({ Dockerfile: "FROM busybox\nRUN --mount=type=cache,id=byid,target=/one echo kept > /one/f\n" });
    await env.build({ Dockerfile: "FROM busybox\nRUN --mount=type=cache,id=byid,target=/two cat /two/f > /out\n" }, { tags: ["cache:id"] });
    expect((await unpack(env, "cache:id")).read("out")).toBe("kept\n");
  }, 60_000);

  it("starts a cache with from= and source= as a copy of that directory, then keeps what steps add", async () => {
    const df = "FROM busybox AS seed\nRUN mkdir -p /seed/sub && echo seeded > /seed/sub/f\nFROM busybox\nRUN --mount=type=cache,target=/c,from=seed,source=/seed/sub cat /c/f > /out && echo more >> /c/f\n";
    await env.build({ Dockerfile: df }, { tags: ["cache:from1"] });
    expect((await unpack(env, "cache:from1")).read("out")).toBe("seeded\n");
    await env.build({ Dockerfile: df }, { tags: ["cache:from2"], noCache: true });
    expect((await unpack(env, "cache:from2")).read("out")).toBe("seeded\nmore\n");
  }, 60_000);

  it("creates the cache root with mode, uid and gid (a separate cache per setting), and mounts source= as a subdirectory", async () => {
    const df = "FROM busybox\nRUN --mount=type=cache,target=/c,id=perm,mode=0700,uid=1000,gid=50 stat -c '%a %u %g' /c > /perm\nRUN --mount=type=cache,target=/c,id=perm stat -c '%a %u %g' /c > /plain\n";
    await env.build({ Dockerfile: df }, { tags: ["cache:perm"] });
    const img = await unpack(env, "cache:perm");
    expect(img.read("perm")).toBe("700 1000 50\n");
    expect(img.read("plain")).toBe("755 0 0\n");
    const sub = "FROM busybox\nRUN --mount=type=cache,target=/c,id=subs,source=inner touch /c/f\nRUN --mount=type=cache,target=/d,id=subs ls /d/inner > /ls\n";
    await env.build({ Dockerfile: sub }, { tags: ["cache:sub"] });
    expect((await unpack(env, "cache:sub")).read("ls")).toBe("f\n");
  }, 60_000);

  it("mounts a cache read-only with ro", async () => {
    await expect(env.build({ Dockerfile: "FROM busybox\nRUN --mount=type=cache,target=/c,ro touch /c/x\n" })).rejects.toThrow(/exit code: 1/);
  }, 60_000);

  it("mounts a tmpfs of the size asked (64k as BuildKit reads it: 64 KiB), empty and gone after the step", async () => {
    const df = "FROM busybox\nRUN --mount=type=tmpfs,target=/t,size=64k grep ' /t ' /proc/mounts | grep -o 'size=[0-9a-z]*' > /size && ! dd if=/dev/zero of=/t/big bs=1k count=80 2>/dev/null && ls -A /t > /dev/null\nRUN --mount=type=tmpfs,target=/t ls -A /t > /left\n";
    await env.build({ Dockerfile: df }, { tags: ["tmpfs:1"] });
    const img = await unpack(env, "tmpfs:1");
    expect(img.read("size")).toBe("size=64k\n");
    expect(img.read("left")).toBe("");
    await expect(env.build({ Dockerfile: "FROM busybox\nARG S=lots\nRUN --mount=type=tmpfs,target=/t,size=$S true\n" })).rejects.toThrow(/size=lots: not a size/);
  }, 60_000);

  it("exposes a secret as a file owned as asked, by source= name, and with env= as a variable only", async () => {
    const df = [
      "FROM busybox",
      "USER app",
      "RUN --mount=type=secret,id=tok,uid=1000,gid=50 stat -c '%a %u %g' /run/secrets/tok > /tmp/perm && cat /run/secrets/tok > /tmp/len-check && wc -c < /tmp/len-check > /tmp/len && rm /tmp/len-check",
      "RUN --mount=type=secret,source=tok,mode=0440 stat -c '%a' /run/secrets/tok > /tmp/mode",
      "RUN --mount=type=secret,id=tok,env=TOKEN test ! -e /run/secrets/tok && printf %s \"$TOKEN\" | md5sum > /tmp/env",
      "RUN --mount=type=secret,id=tok,env=TOKEN,target=/tmp/t,uid=1000 test \"$TOKEN\" = \"$(cat /tmp/t)\" && echo ok > /tmp/both",
      "",
    ].join("\n");
    await env.build({ Dockerfile: df }, { tags: ["secret:1"], secrets: { tok: "s3cret" } });
    const img = await unpack(env, "secret:1");
    expect(img.read("tmp/perm")).toBe("400 1000 50\n");
    expect(img.read("tmp/len")).toBe("6\n");
    expect(img.read("tmp/mode")).toBe("440\n");
    expect(img.read("tmp/env")).toBe(`${createHash("md5").update("s3cret").digest("hex")}  -\n`);
    expect(img.read("tmp/both")).toBe("ok\n");
    expect(JSON.stringify(img.config)).not.toContain("s3cret");
  }, 60_000);

  it("--network=none leaves only loopback; default and host share the host's interfaces", async () => {
    const host = readFileSync("/proc/net/dev", "utf8").split("\n").slice(2).map((l) => l.split(":")[0]!.trim()).filter(Boolean).sort();
    const list = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort";
    const df = `FROM busybox\nRUN --network=none ${list} > /none\nRUN --network=host ${list} > /host\nRUN --network=default ${list} > /default\n`;
    await env.build({ Dockerfile: df }, { tags: ["net:1"] });
    const img = await unpack(env, "net:1");
    expect(img.read("none")).toBe("lo\n");
    expect(img.read("host").trim().split("\n")).toEqual(host);
    expect(img.read("default").trim().split("\n")).toEqual(host);
  }, 60_000);
});
