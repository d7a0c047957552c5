/**
 * `tsbuild/esbuild`: an esbuild plugin that builds a container image from the project's
 * Dockerfile when a build (or a rebuild of a context in watch mode) ends without errors.
 * esbuild's types are imported as types only: esbuild is an optional peer dependency, never
 * loaded by tsbuild.
 */
import type { OnEndResult, Plugin } from "esbuild";
import { buildImage, ImageBuildError, type PluginOptions } from "./image-build.js";

export { ImageBuildError, type PluginOptions } from "./image-build.js";

/** TsbuildEsbuildOptions are the build options of `build()` plus `onResult` and `onError`. */
export type TsbuildEsbuildOptions = PluginOptions;

/**
 * tsbuild returns an esbuild plugin that builds the image in `onEnd` when the result has no
 * errors (so the bundle was written; the Dockerfile copies it from disk, so keep `write`
 * enabled). A failed image build is reported as an esbuild error of this plugin (its text is
 * ImageBuildError's summary, its notes the Dockerfile diagnostics or the failed step's last
 * output), so `esbuild.build()` rejects and watch mode logs it and keeps watching; with
 * `onError` given, that callback receives the typed error instead.
 */
export function tsbuild(options: TsbuildEsbuildOptions): Plugin {
  return {
    name: "tsbuild",
    setup(build) {
      build.onEnd(async (result): Promise<OnEndResult | undefined> => {
        if (result.errors.length > 0) return undefined;
        try {
          await buildImage(options);
          return undefined;
        } catch (err) {
          if (!(err instanceof ImageBuildError)) throw err;
          return { errors: [{ text: err.summary, notes: err.notes.map((text) => ({ text })) }] };
        }
      });
    },
  };
}

export default tsbuild;
