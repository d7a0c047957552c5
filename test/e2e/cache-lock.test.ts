// Two `tsbuild build` processes on one store at the same time (same base image, unpacked by both
// at once), each with a step that marks a cache mount busy for a second. sharing=locked: the
// steps never overlap and both write into the one cache; sharing=private: the second process gets
// a directory of its own, so the cache itself saw one run and no overlap.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { unpack } from "./helpers.js";
import { background, describeLifecycle } from "./lifecycle-helpers.js";

/** STEP marks /c busy for a second, noting an overlap when another step marked it too. */
const STEP = "if [ -e /c/busy ]; then touch /c/overlap; fi; touch /c/busy; sleep 1; if [ -e /c/overlap ]; then echo overlap >> /c/seen; fi; rm -f /c/busy /c/overlap; echo $N >> /c/runs";
/** READ prints what the cache saw: overlaps, then the runs, on one line. */
const READ = `cat /c/seen /c/runs 2>/dev/null | sort | tr '\\n' ' ' > /result`;

describeLifecycle("cache mount sharing across tsbuild processes", (env) => {
  it.each([
    ["locked", /^1 2 $/],
    ["private", /^[12] $/],
  ] as const)("sharing=%s", async (sharing, expected) => {
    const mount = `--mount=type=cache,target=/c,id=x-${sharing},sharing=${sharing}`;
    // The context is a directory of its own: env.dir holds the store, which the other build
    // changes while this one reads its context (a changed context fails a build).
    const ctx = env.context({});
    const file = (suffix: string, run: string) => {
      const f = join(ctx, `Dockerfile.${sharing}${suffix}`);
      writeFileSync(f, `FROM busybox\nARG N\nRUN ${mount} sh -c "${run}"\n`);
      return f;
    };
    const build = (f: string, n: string) => background(env, ["build", "--progress", "plain", "--build-arg", `N=${n}`, "-f", f, "-t", `lock-${sharing}:${n}`, ctx]);
    const step = file("", STEP);
    const builds = [build(step, "1"), build(step, "2")];
    for (const b of builds) expect((await b.done).code, b.err()).toBe(0);
    const read = build(file(".read", READ), "read");
    expect((await read.done).code, read.err()).toBe(0);
    expect((await unpack(env, `lock-${sharing}:read`)).read("result")).toMatch(expected);
  }, 60_000);
});
