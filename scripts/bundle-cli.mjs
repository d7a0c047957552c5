// Bundles the CLI into one file (dist/cli/main.js, replacing tsc's output of it) so that
// `tsbuild` starts by reading one module instead of ~1,000 (chevrotain alone pulls in most of
// lodash-es). The library build in dist/ stays unbundled for importers. Native and optional
// packages stay external: better-sqlite3 (a native addon), ink and react (loaded only by the
// tty progress view).
import { build } from "esbuild";

await build({
  entryPoints: { main: "src/cli/main.ts" },
  outdir: "dist/cli",
  // Splitting keeps dynamically imported modules (the tty renderer, and with it ink and React)
  // in chunks of their own, loaded only when used.
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
