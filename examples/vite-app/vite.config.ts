// `vite build` bundles the app into dist/, then the tsbuild plugin builds the image from the
// Dockerfile next to this file. Run it from the repository: npx vite build examples/vite-app
import { defineConfig, type UserConfig } from "vite";
import { tsbuild, type TsbuildViteOptions } from "tsbuild/vite";

const here = import.meta.dirname;

/** appConfig is this app's Vite config; `image` overrides options of the tsbuild plugin (a store root, callbacks). */
export function appConfig(image: Partial<TsbuildViteOptions> = {}): UserConfig {
  return {
    root: here,
    build: { outDir: "dist", emptyOutDir: true },
    plugins: [
      tsbuild({
        context: here,
        tags: ["vite-app:latest"],
        onResult: (result) => console.log(`image ${result.tags.join(", ")}: ${result.configDigest}`),
        ...image,
      }),
    ],
  };
}

export default defineConfig(appConfig());
