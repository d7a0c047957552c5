// `--progress` selection: the flag wins, then TSBUILD_PROGRESS, then auto; auto's terminal rule;
// the quiet mode prints only the image ID on stdout and failures on stderr.
import { describe, expect, it } from "vitest";
import { InputError, RunStepError, type BuildResult } from "../../src/api/index.js";
import { createRenderer, interactive, resolveProgressMode } from "../../src/cli/progress/mode.js";

const result: BuildResult = {
  manifestDigest: `sha256:${"1".repeat(64)}` as BuildResult["manifestDigest"],
  configDigest: `sha256:${"2".repeat(64)}` as BuildResult["configDigest"],
  tags: [],
  layers: [],
  size: 0,
  cached: 0,
  executed: 0,
  durationMs: 1,
  manifestSize: 0,
  unusedBuildArgs: [],
  warnings: [],
};

describe("progress mode", () => {
  it("lets the flag win over TSBUILD_PROGRESS, and the variable win over auto", () => {
    const t = { isTTY: false, env: { TSBUILD_PROGRESS: "json" } };
    expect(resolveProgressMode("quiet", t)).toBe("quiet");
    expect(resolveProgressMode(undefined, t)).toBe("json");
    expect(resolveProgressMode(undefined, { isTTY: false, env: {} })).toBe("plain");
    expect(resolveProgressMode("auto", { isTTY: true, env: {} })).toBe("tty");
    expect(resolveProgressMode("auto", { isTTY: true, env: { CI: "true" } })).toBe("plain");
    expect(resolveProgressMode(undefined, { isTTY: false, env: { TSBUILD_PROGRESS: "tty" } })).toBe("tty");
  });

  it("rejects unknown modes naming where they came from", () => {
    expect(() => resolveProgressMode("fancy", { isTTY: false, env: {} })).toThrow(InputError);
    expect(() => resolveProgressMode("fancy", { isTTY: false, env: {} })).toThrow(/--progress fancy: expected one of auto, tty, plain, json, quiet/);
    expect(() => resolveProgressMode(undefined, { isTTY: false, env: { TSBUILD_PROGRESS: "x" } })).toThrow(/TSBUILD_PROGRESS=x/);
  });

  it("treats only a terminal outside CI with a capable TERM as interactive", () => {
    expect(interactive({ isTTY: true, env: { TERM: "xterm" } })).toBe(true);
    expect(interactive({ isTTY: false, env: {} })).toBe(false);
    expect(interactive({ isTTY: true, env: { CI: "true" } })).toBe(false);
    expect(interactive({ isTTY: true, env: { CI: "false" } })).toBe(true);
    expect(interactive({ isTTY: true, env: { CI: "0" } })).toBe(true);
    expect(interactive({ isTTY: true, env: { TERM: "dumb" } })).toBe(false);
  });

  it("quiet prints only the image ID on stdout, and a failure only on stderr", async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const r = await createRenderer("quiet", { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
    r.onEvent({ type: "log", vertex: result.configDigest, stream: "stdout", data: "noise\n", time: 1 });
    r.finish({ ok: true, result });
    expect(stdout).toEqual([result.configDigest]);
    expect(stderr).toEqual([]);
    const err = new RunStepError({ step: "[2/2] RUN false", vertex: "", file: "Dockerfile", range: undefined, exitCode: 1, lastLines: ["boom"], cause: new Error("exit code: 1") });
    r.finish({ ok: false, error: err });
    expect(stdout).toHaveLength(1);
    expect(stderr.join("\n")).toContain(" > [2/2] RUN false:\n  boom\n");
    expect(stderr.at(-1)).toBe("ERROR: failed to solve: exit code: 1");
  });
});
