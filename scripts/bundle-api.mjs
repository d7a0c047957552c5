// Bundles the library's entry points (the package's "." export, dist/api/index.js, which the
// "./vite" and "./esbuild" plugins import too) into ES module bundles that replace tsc's output
// of src/api/index.ts. Unbundled, `import "tsbuild"` resolved, read and compiled ~1,000 modules
// (the parser's chevrotain and lodash-es, zod's ~100 files, each of tsbuild's own) through Node's
// ES module loader: ~450 ms before a program or a bundler plugin could do anything. A bundle is
// a few files. Modules that src/api loads on first use (the parser, the builder, the builtin
// driver) become chunks under dist/api/chunks/, loaded as before only when used. The other files
// tsc wrote under dist/ stay (their .d.ts files are the package's types; the deep .js files are
// not exported). Native and optional packages stay external: better-sqlite3 (its addon is found
// from the package), ink and react (the CLI's tty view only).
import { rmSync } from "node:fs";
import { build } from "esbuild";
import { lazyBuiltins, noWebStreamsPolyfill } from "./esbuild-plugins.mjs";

rmSync("dist/api/chunks", { recursive: true, force: true });

const result = await build({
  entryPoints: { index: "src/api/index.ts" },
  outdir: "dist/api",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  external: ["better-sqlite3", "bindings", "ink", "react", "react/jsx-runtime"],
  plugins: [noWebStreamsPolyfill, lazyBuiltins],
  metafile: true,
  logLevel: "warning",
});

// Every import() must be of a chunk: a relative path left external would not resolve from dist/api.
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  const stray = meta.imports.filter((i) => i.kind === "dynamic-import" && i.external);
  if (stray.length > 0) throw new Error(`${out}: import() of ${stray.map((i) => i.path).join(", ")} is not bundled`);
}
