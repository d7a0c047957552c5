// Bundles the CLI into one file (dist/cli/main.js, replacing tsc's output of it) so that
// `tsbuild` starts by reading one module instead of ~1,000 (chevrotain alone pulls in most of
// lodash-es). The library build in dist/ stays unbundled for importers. Native and optional
// packages stay external: ink and react (loaded only by the tty progress view), and the native
// addon of better-sqlite3.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { resolve, sep } from "node:path";
import { build } from "esbuild";

/**
 * parserFingerprint digests the parser's sources and chevrotain's version: it keys the CLI's
 * parse cache (src/api/parse-cache.ts), so a changed parser never reads an older one's results.
 */
function parserFingerprint() {
  const h = createHash("sha256");
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = `${dir}/${name}`;
      if (statSync(p).isDirectory()) walk(p);
      else h.update(`${p}\0`).update(readFileSync(p)).update("\0");
    }
  };
  walk("src/parser");
  h.update(JSON.parse(readFileSync("node_modules/chevrotain/package.json", "utf8")).version);
  return h.digest("hex");
}

// Chunk names carry content hashes: chunks of earlier builds would pile up next to the new ones.
rmSync("dist/cli/chunks", { recursive: true, force: true });

/**
 * bundledSqlite swaps src/store/sqlite.ts (a require() of better-sqlite3, kept external) for
 * sqlite-bundled.ts (a static import, bundled): the package's fifteen CommonJS modules then cost
 * one read instead of a resolution and compile each on every start.
 */
const bundledSqlite = {
  name: "bundled-sqlite",
  setup(b) {
    b.onResolve({ filter: /^\.\/sqlite\.js$/ }, (args) => (args.importer.endsWith(`${sep}src${sep}store${sep}meta.ts`) || args.importer.endsWith(`${sep}src${sep}store${sep}hashcache.ts`) ? { path: resolve("src/store/sqlite-bundled.ts") } : undefined));
  },
};

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
  // better-sqlite3's JavaScript is bundled (bundledSqlite); its addon is loaded from the package,
  // and `bindings` only when the addon is not in the package's build dir.
  external: ["bindings", "ink", "react", "react/jsx-runtime"],
  plugins: [bundledSqlite],
  define: { __TSBUILD_PARSER_FINGERPRINT__: JSON.stringify(parserFingerprint()) },
  // CommonJS dependencies (commander) call require(); give the ESM bundle one. The `--` keeps
  // Node 20 from reading tsbuild's own `--env-file FILE` as its option (it exits when FILE is missing).
  // The shebang moves NODE_EXTRA_CA_CERTS to TSBUILD_EXTRA_CA_CERTS (GNU env expands ${VAR} in
  // -S): Node 20 would load the file and build its whole root store at every start (~50 ms),
  // while tsbuild needs it only for HTTPS requests, where src/registry/trust.ts loads it.
  banner: { js: "#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS TSBUILD_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node --\nimport { createRequire as __tsbuildRequire } from 'node:module';\nconst require = __tsbuildRequire(import.meta.url);" },
  logLevel: "warning",
});
