/**
 * `tsbuild/vite`: a Vite plugin that builds a container image from the project's Dockerfile after
 * each successful `vite build` (and each rebuild of `vite build --watch`). Vite's types are
 * imported as types only: vite is an optional peer dependency, never loaded by tsbuild.
 */
import type { Plugin } from "vite";
import { buildImage, type PluginOptions } from "./image-build.js";

export { ImageBuildError, type PluginOptions } from "./image-build.js";

/** TsbuildViteOptions are the build options of `build()` plus `onResult`, `onError` and the Vite environment to follow. */
export interface TsbuildViteOptions extends PluginOptions {
  /**
   * environment names the Vite environment whose build is followed by the image build (e.g.
   * "ssr" when the server bundle is the one the image needs). Default: every environment Vite
   * builds, so a build of several environments builds the image once after each of them.
   */
  readonly environment?: string;
}

/**
 * tsbuild returns a Vite plugin (applied to `vite build` only) that builds the image in
 * `closeBundle`, after every other plugin's `closeBundle` (order "post"), once the bundle is
 * written; at most once per bundle build. A bundle build that failed (an error in `buildEnd`, `renderError` or `closeBundle`)
 * starts no image build. A failed image build fails `vite build` with an ImageBuildError (the
 * typed error is its `cause`), unless `onError` is given, which then receives the error instead.
 */
export function tsbuild(options: TsbuildViteOptions): Plugin {
  const { environment, ...buildOptions } = options;
  // Vite 8 calls closeBundle twice after a failed bundle (with the error, then without), so the
  // failure is remembered from buildEnd/renderError, and each bundle build gets one image build.
  let bundleError: Error | undefined;
  let imageStarted = false;
  return {
    name: "tsbuild",
    apply: "build",
    ...(environment === undefined ? {} : { applyToEnvironment: (env) => env.name === environment }),
    buildStart() {
      bundleError = undefined; // A rebuild in watch mode starts clean.
      imageStarted = false;
    },
    buildEnd(error) {
      if (error) bundleError = error;
    },
    renderError(error) {
      bundleError = error;
    },
    closeBundle: {
      order: "post",
      // Rollup (Vite 6 and 7) runs closeBundle hooks in parallel unless sequential; Rolldown always runs them in turn.
      sequential: true,
      async handler(error) {
        if (error ?? bundleError ?? imageStarted) return;
        imageStarted = true;
        await buildImage(buildOptions);
      },
    },
  };
}

export default tsbuild;
