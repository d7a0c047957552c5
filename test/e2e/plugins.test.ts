// The bundler plugins end to end, the way users run them: Vite's build() with the config of
// examples/vite-app and esbuild's build() with examples/esbuild-app/build.mjs, both importing
// `tsbuild/vite` and `tsbuild/esbuild` (the package's own subpath exports, so dist/ must be
// built). The images must hold the bundles, and onResult must get the digests `inspect` shows.
// Needs root, runc and busybox-static (like the other e2e tests).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build as viteBuild, type UserConfig } from "vite";
import type { BuildResult as EsbuildResult } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspect, type BuildResult } from "../../src/api/index.js";
import type { PluginOptions } from "../../src/plugins/image-build.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { e2eMissing, makeEnv, unpack, type Env } from "./helpers.js";

const REPO = resolve(import.meta.dirname, "../..");
const EXAMPLES = join(REPO, "examples");
const BUILT = ["vite", "esbuild"].map((p) => join(REPO, `dist/plugins/${p}.js`));
const unbuilt = BUILT.find((f) => !existsSync(f));
const missing = e2eMissing() ?? (unbuilt ? `${unbuilt} is missing (run npm run build)` : undefined);
requirePrerequisites("bundler plugin end-to-end tests", missing);

/** filesUnder lists every file below `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** importExample loads an example's module by path, as Node would (its imports resolve through the package's exports). */
async function importExample<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(EXAMPLES, path)).href)) as T;
}

describe.skipIf(missing !== undefined)("bundler plugins (end to end)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => env?.cleanup());

  /** imageOptions point a plugin at the test store and collect what onResult receives. */
  function imageOptions(tag: string, results: BuildResult[]): Partial<PluginOptions> {
    return { root: env.root, runtime: "runc", tags: [tag], sourceDateEpoch: 0, onResult: (r) => void results.push(r) };
  }

  /** expectImage checks that the image `tag` holds every file of `bundle` under `at` and that `result` has its digests. */
  async function expectImage(tag: string, result: BuildResult | undefined, bundle: string, at: string): Promise<void> {
    const files = filesUnder(bundle);
    expect(files.some((f) => f.endsWith(".js"))).toBe(true);
    const image = await unpack(env, tag);
    for (const f of files) expect(image.read(join(at, f)), f).toBe(readFileSync(join(bundle, f), "utf8"));
    const shown = (await inspect(tag, { root: env.root })) as { Id: string; Digest: string; Layers: { digest: string; diffId: string; size: number }[] };
    expect(result?.configDigest).toBe(shown.Id);
    expect(result?.manifestDigest).toBe(shown.Digest);
    expect(result?.layers).toEqual(shown.Layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size })));
  }

  it("the package's ./vite and ./esbuild exports name built files, types included", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { exports: Record<string, { types: string; default: string }> };
    for (const sub of ["./vite", "./esbuild"]) {
      const entry = pkg.exports[sub];
      expect(entry, sub).toBeDefined();
      for (const file of [entry?.types, entry?.default]) expect(existsSync(join(REPO, file ?? "?")), `${sub}: ${file}`).toBe(true);
    }
  });

  it("vite build of examples/vite-app builds an image holding the bundle, and onResult gets its digests", async () => {
    const { appConfig } = await importExample<{ appConfig: (image: Partial<PluginOptions>) => UserConfig }>("vite-app/vite.config.ts");
    const results: BuildResult[] = [];
    await viteBuild({ ...appConfig(imageOptions("plugins/vite-app:test", results)), configFile: false, logLevel: "silent" });
    expect(results).toHaveLength(1);
    await expectImage("plugins/vite-app:test", results[0], join(EXAMPLES, "vite-app/dist"), "www");
  });

  it("esbuild of examples/esbuild-app builds an image holding the bundle and the page, and onResult gets its digests", async () => {
    const { bundle } = await importExample<{ bundle: (image: Partial<PluginOptions>) => Promise<EsbuildResult> }>("esbuild-app/build.mjs");
    const results: BuildResult[] = [];
    const out = await bundle(imageOptions("plugins/esbuild-app:test", results));
    expect(out.errors).toEqual([]);
    expect(results).toHaveLength(1);
    await expectImage("plugins/esbuild-app:test", results[0], join(EXAMPLES, "esbuild-app/dist"), "www");
    expect((await unpack(env, "plugins/esbuild-app:test")).read("www/index.html")).toBe(readFileSync(join(EXAMPLES, "esbuild-app/index.html"), "utf8"));
  });
});
