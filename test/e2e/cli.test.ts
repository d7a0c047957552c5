// The CLI end to end: `tsbuild build` with plain progress, then `tsbuild run` of the result.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitRunArgv } from "../../src/cli/commands/run.js";
import { commandLine } from "../../src/api/run.js";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");
const missing = e2eMissing() ?? (existsSync(CLI) ? undefined : `${CLI} is missing (run npm run build)`);
requirePrerequisites("CLI end-to-end tests", missing);

function tsbuild(env: Env, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: env.root, CI: "true" }, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("run argument handling", () => {
  it("lets the container command carry its own options", () => {
    expect(splitRunArgv(["node", "tsbuild", "run", "-e", "A=1", "busybox", "ls", "-l"])).toEqual(["node", "tsbuild", "run", "-e", "A=1", "busybox", "--", "ls", "-l"]);
    expect(splitRunArgv(["node", "tsbuild", "--root", "/s", "run", "img"])).toEqual(["node", "tsbuild", "--root", "/s", "run", "img", "--"]);
    expect(splitRunArgv(["node", "tsbuild", "build", "run"])).toEqual(["node", "tsbuild", "build", "run"]);
  });

  it("combines Entrypoint and Cmd as Docker does", () => {
    const config = { Entrypoint: ["/bin/app"], Cmd: ["--serve"] };
    expect(commandLine(config, {})).toEqual(["/bin/app", "--serve"]);
    expect(commandLine(config, { command: ["--help"] })).toEqual(["/bin/app", "--help"]);
    expect(commandLine(config, { entrypoint: "sh" })).toEqual(["sh"]);
    expect(commandLine(config, { entrypoint: "", command: ["ls"] })).toEqual(["ls"]);
    expect(commandLine({ Cmd: ["sh"] }, {})).toEqual(["sh"]);
  });
});

describe.skipIf(missing !== undefined)("tsbuild build and run (CLI)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  it("builds with plain progress, marks cached steps, and runs the image", () => {
    const ctx = env.context({ Dockerfile: 'FROM busybox\nRUN echo building > /msg\nCMD ["sh", "-c", "cat /msg; exit 5"]\n' });
    const first = tsbuild(env, ["build", "-t", "cli:1", "--runtime", "runc", ctx]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^#\d+ \[2\/2\] RUN echo building > \/msg$/m);
    expect(first.stderr).toMatch(/^#\d+ DONE \d+\.\d+s$/m);
    expect(first.stderr).not.toMatch(/\x1b\[/);
    const second = tsbuild(env, [ctx, "-t", "cli:1"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/^#\d+ CACHED$/m);
    const run = tsbuild(env, ["run", "--rm", "--runtime", "runc", "cli:1"]);
    expect(run.stdout).toBe("building\n");
    expect(run.code).toBe(5);
    const override = tsbuild(env, ["run", "cli:1", "sh", "-c", "echo $0-$X", "-x"], undefined);
    expect(override.stdout).toBe("-x-\n");
  });

  it("--no-cache reruns every step and --no-cache-filter only the named stage's", () => {
    const ctx = env.context({ Dockerfile: "FROM busybox AS a\nRUN echo a > /a\nFROM busybox\nCOPY --from=a /a /a\nRUN echo b > /b\n" });
    const first = tsbuild(env, ["build", "--progress", "plain", "--runtime", "runc", ctx]);
    expect(first.code, first.stderr).toBe(0);
    const all = tsbuild(env, ["build", "--progress", "plain", "--runtime", "runc", "--no-cache", ctx]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).not.toMatch(/CACHED$/m);
    expect(all.stderr).toMatch(/^#\* built sha256:[0-9a-f]{64} in \d+\.\ds: 4 steps run, 0 cached$/m);
    const one = tsbuild(env, ["build", "--progress", "plain", "--runtime", "runc", "--no-cache-filter", "a", ctx]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toMatch(/^#\d+ \[a 2\/2\] RUN echo a > \/a\n#\d+ DONE/m);
  });

  it("reports a Dockerfile error with its location and a failing step with its line", () => {
    const bad = tsbuild(env, ["build", env.context({ Dockerfile: "FROM busybox\nCOPY --chwn=1 a /b\n" })]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Dockerfile:2:8: error: unknown flag: --chwn (did you mean chown?)");
    const failing = tsbuild(env, ["build", env.context({ Dockerfile: "FROM busybox\nRUN echo nope && false\n" })]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("did not complete successfully: exit code: 1");
    expect(failing.stderr).toContain("2 | RUN echo nope && false");
    expect(failing.stderr).toContain("nope");
    const fsck = tsbuild(env, ["fsck"]);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
  });

  it("writes --output and --metadata-file, and warns about unused build args", () => {
    const ctx = env.context({ Dockerfile: "FROM busybox\nCOPY a.txt /a.txt\n", "a.txt": "a\n" });
    const meta = `${env.dir}/cli-meta.json`;
    const dest = `${env.dir}/cli-rootfs`;
    const r = tsbuild(env, ["build", "--runtime", "runc", "-o", `type=local,dest=${dest}`, "--metadata-file", meta, "--build-arg", "NOPE=1", ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("[Warning] One or more build-args [NOPE] were not consumed");
    expect(readFileSync(`${dest}/a.txt`, "utf8")).toBe("a\n");
    expect(JSON.parse(readFileSync(meta, "utf8"))["containerimage.digest"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    const bad = tsbuild(env, ["build", "-o", "type=s3", ctx]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("type must be one of");
  });
});
