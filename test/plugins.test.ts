// The bundler plugins without a container runtime: a failed bundle starts no image build, a
// failed image build (here a Dockerfile error, found before anything runs) fails the bundler
// build with tsbuild's message or goes to onError, and Vite's `environment` option picks the
// environment that triggers the image build. Real image builds: test/e2e/plugins.test.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as esbuild from "esbuild";
import { build as viteBuild } from "vite";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DockerfileSyntaxError, InputError, ProcessExitError, RunStepError } from "../src/api/index.js";
import { tsbuild as esbuildPlugin } from "../src/plugins/esbuild.js";
import { describeFailure, ImageBuildError } from "../src/plugins/image-build.js";
import { tsbuild as vitePlugin } from "../src/plugins/vite.js";

const tmp = mkdtempSync(join(tmpdir(), "tsbuild-plugins-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** project writes a small app (an index.html, src/main.ts) with `files` on top into a fresh dir. */
function project(files: Record<string, string>): string {
  const dir = join(tmp, `p${n++}`);
  const all = { "index.html": '<script type="module" src="/src/main.ts"></script>\n', "src/main.ts": "export const answer: number = 42;\nconsole.log(answer);\n", ...files };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/**
 * spies are the plugin callbacks plus the build's event listener: none may fire when no image
 * build starts. (The bundle-error cases use BAD_DOCKERFILE too: an image build started by
 * mistake then ends in onError at once, without trying to pull busybox.)
 */
function spies() {
  return { onEvent: vi.fn(), onResult: vi.fn(), onError: vi.fn() };
}

const BROKEN_TS = "export const = ;\n";
const BAD_DOCKERFILE = "FROM busybox\nCOPY\n";

function viteConfig(dir: string, plugin: ReturnType<typeof vitePlugin>) {
  return { root: dir, configFile: false as const, logLevel: "silent" as const, build: { outDir: "dist" }, plugins: [plugin] };
}

function esbuildOptions(dir: string, plugin: esbuild.Plugin): esbuild.BuildOptions {
  return { entryPoints: [join(dir, "src/main.ts")], bundle: true, outfile: join(dir, "dist/app.js"), logLevel: "silent", plugins: [plugin] };
}

describe("tsbuild/vite", () => {
  it("starts no image build when the bundle fails", async () => {
    const dir = project({ "src/main.ts": BROKEN_TS, Dockerfile: BAD_DOCKERFILE });
    const s = spies();
    const err = await viteBuild(viteConfig(dir, vitePlugin({ context: dir, root: join(tmp, "store"), ...s }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ImageBuildError);
    expect(s.onEvent).not.toHaveBeenCalled();
    expect(s.onResult).not.toHaveBeenCalled();
    expect(s.onError).not.toHaveBeenCalled();
  });

  it("fails vite build with an ImageBuildError naming the Dockerfile location when the image build fails", async () => {
    const dir = project({ Dockerfile: BAD_DOCKERFILE });
    const onResult = vi.fn();
    const err = await viteBuild(viteConfig(dir, vitePlugin({ context: dir, root: join(tmp, "store"), onResult }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageBuildError);
    const failure = err as ImageBuildError;
    expect(failure.summary).toMatch(/^tsbuild: the image build failed: Dockerfile:2:1: /);
    expect(failure.notes.some((l) => l.startsWith("Dockerfile:2:1: error:"))).toBe(true);
    expect(failure.cause).toBeInstanceOf(DockerfileSyntaxError);
    expect(onResult).not.toHaveBeenCalled();
  });

  it("hands the image build's error to onError instead, and the vite build succeeds", async () => {
    const dir = project({ Dockerfile: BAD_DOCKERFILE });
    const s = spies();
    await viteBuild(viteConfig(dir, vitePlugin({ context: dir, root: join(tmp, "store"), ...s })));
    expect(s.onError).toHaveBeenCalledTimes(1);
    expect(s.onError.mock.calls[0]?.[0]).toBeInstanceOf(DockerfileSyntaxError);
    expect(s.onResult).not.toHaveBeenCalled();
  });

  it("follows only the named environment's build", async () => {
    const dir = project({ Dockerfile: BAD_DOCKERFILE });
    const ssr = spies();
    await viteBuild(viteConfig(dir, vitePlugin({ context: dir, root: join(tmp, "store"), environment: "ssr", ...ssr })));
    expect(ssr.onEvent).not.toHaveBeenCalled();
    expect(ssr.onError).not.toHaveBeenCalled();
    const client = spies();
    await viteBuild(viteConfig(dir, vitePlugin({ context: dir, root: join(tmp, "store"), environment: "client", ...client })));
    expect(client.onError).toHaveBeenCalledTimes(1);
  });
});

describe("tsbuild/esbuild", () => {
  it("starts no image build when the bundle has errors", async () => {
    const dir = project({ "src/main.ts": BROKEN_TS, Dockerfile: BAD_DOCKERFILE });
    const s = spies();
    const err = await esbuild.build(esbuildOptions(dir, esbuildPlugin({ context: dir, root: join(tmp, "store"), ...s }))).catch((e: unknown) => e);
    expect((err as esbuild.BuildFailure).errors.map((m) => m.pluginName)).toEqual([""]);
    expect(s.onEvent).not.toHaveBeenCalled();
    expect(s.onResult).not.toHaveBeenCalled();
    expect(s.onError).not.toHaveBeenCalled();
  });

  it("reports a failed image build as an error of the tsbuild plugin, with the diagnostics as notes", async () => {
    const dir = project({ Dockerfile: BAD_DOCKERFILE });
    const err = await esbuild.build(esbuildOptions(dir, esbuildPlugin({ context: dir, root: join(tmp, "store") }))).catch((e: unknown) => e);
    const [message, ...others] = (err as esbuild.BuildFailure).errors;
    expect(others).toEqual([]);
    expect(message?.pluginName).toBe("tsbuild");
    expect(message?.text).toMatch(/^tsbuild: the image build failed: Dockerfile:2:1: /);
    expect(message?.notes.some((note) => note.text.startsWith("Dockerfile:2:1: error:"))).toBe(true);
  });

  it("hands the image build's error to onError instead, and the esbuild build succeeds", async () => {
    const dir = project({ Dockerfile: BAD_DOCKERFILE });
    const s = spies();
    const result = await esbuild.build(esbuildOptions(dir, esbuildPlugin({ context: dir, root: join(tmp, "store"), ...s })));
    expect(result.errors).toEqual([]);
    expect(s.onError.mock.calls[0]?.[0]).toBeInstanceOf(DockerfileSyntaxError);
    expect(s.onResult).not.toHaveBeenCalled();
  });
});

describe("describeFailure", () => {
  it("tells a failed step with its last output lines, and other errors by their message", () => {
    const range = { start: { line: 3, column: 1, offset: 20 }, end: { line: 3, column: 13, offset: 32 } };
    const step = new RunStepError({ step: "[2/2] RUN make", vertex: `sha256:${"b".repeat(64)}`, file: "Dockerfile", range, exitCode: 2, lastLines: ["cc -o app", "make: *** [app] Error 1"], cause: new ProcessExitError(["/bin/sh", "-c", "make"], 2) });
    expect(describeFailure(step)).toEqual({
      text: 'tsbuild: the image build failed: [2/2] RUN make (Dockerfile:3): process "/bin/sh -c make" did not complete successfully: exit code: 2',
      notes: ["last output of [2/2] RUN make:", "  cc -o app", "  make: *** [app] Error 1"],
    });
    expect(describeFailure(new InputError("cannot read Dockerfile /x: no such file"))).toEqual({ text: "tsbuild: the image build failed: cannot read Dockerfile /x: no such file", notes: [] });
    const wrapped = new ImageBuildError(step);
    expect(wrapped.message.split("\n")).toEqual([wrapped.summary, ...wrapped.notes]);
    expect(wrapped.cause).toBe(step);
  });
});
