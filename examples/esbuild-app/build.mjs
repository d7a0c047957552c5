// Bundles src/main.ts into dist/app.js, then the tsbuild plugin builds the image from the
// Dockerfile next to this file. Run it from the repository: node examples/esbuild-app/build.mjs
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { tsbuild } from "tsbuild/esbuild";

const here = import.meta.dirname;

/**
 * bundle runs esbuild with the tsbuild plugin; `image` overrides options of the plugin (a store
 * root, callbacks). Resolves with esbuild's result; rejects when the bundle or the image fails.
 */
export function bundle(image = {}) {
  rmSync(join(here, "dist"), { recursive: true, force: true });
  return esbuild.build({
    entryPoints: [join(here, "src/main.ts")],
    bundle: true,
    format: "iife",
    minify: true,
    outfile: join(here, "dist/app.js"),
    logLevel: "warning",
    plugins: [
      tsbuild({
        context: here,
        tags: ["esbuild-app:latest"],
        onResult: (result) => console.log(`image ${result.tags.join(", ")}: ${result.configDigest}`),
        ...image,
      }),
    ],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
