// Bundles the CLI into one file (dist/cli/main.js, replacing tsc's output of it) so that
// `tsbuild` starts by reading one module instead of ~1,000 (chevrotain alone pulls in most of
// lodash-es). The library build in dist/ stays unbundled for importers. Native and optional
// packages stay external: better-sqlite3 (a native addon), ink and react (loaded only by the
// tty progress view).
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names carry content hashes: chunks of earlier builds would pile up next to the new ones.
rmSync("dist/cli/chunks", { recursive: true, force: true });

await build({
  entryPoints: { main: "src/cli/main.ts" },
  outdir: "dist/cli",
  // Splitting keeps dynamically imported modules in chunks of their own, loaded only when used:
  // the tty renderer (and with it ink and React), the command program, and the fast path of a
  // foreground `tsbuild run` (src/cli/run-fast.ts), which needs none of the build code.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  external: ["better-sqlite3", "ink", "react", "react/jsx-runtime"],
  // CommonJS dependencies (commander) call require(); give the ESM bundle one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __tsbuildRequire } from 'node:module';\nconst require = __tsbuildRequire(import.meta.url);" },
  logLevel: "warning",
});
