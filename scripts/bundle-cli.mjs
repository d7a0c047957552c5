// Bundles the CLI (dist/cli/main.cjs, the bin, replacing tsc's output of main.ts, and the two programs it runs
// in dist/cli/bundle/) so that `tsbuild` starts by reading one file instead of ~1,000 modules
// (chevrotain alone pulls in most of lodash-es), compiled through V8's code cache. The library's
// entry points are bundled apart (scripts/bundle-api.mjs), as ES modules for importers. Native
// and optional packages stay external: ink and react (loaded only by the tty progress view), and
// the native addon of better-sqlite3.
import { createHash } from "node:crypto";
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { resolve, sep } from "node:path";
import { build } from "esbuild";
import { lazyBuiltins, noWebStreamsPolyfill } from "./esbuild-plugins.mjs";

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

// Bundle names carry content hashes, which key their code caches: older bundles would pile up.
rmSync("dist/cli/bundle", { recursive: true, force: true });
rmSync("dist/cli/chunks", { recursive: true, force: true });

/**
 * bundleSwaps swaps src/store/sqlite.ts (a require() of better-sqlite3, kept external) for
 * sqlite-bundled.ts (a static import, bundled): the package's fifteen CommonJS modules then cost
 * one read instead of a resolution and compile each on every start. It also swaps
 * src/cli/progress/tty-load.ts for tty-load-bundled.ts, which has the host import ink first.
 */
const bundleSwaps = {
  name: "bundle-swaps",
  setup(b) {
    b.onResolve({ filter: /^\.\/sqlite\.js$/ }, (args) => (args.importer.endsWith(`${sep}src${sep}store${sep}meta.ts`) || args.importer.endsWith(`${sep}src${sep}store${sep}hashcache.ts`) ? { path: resolve("src/store/sqlite-bundled.ts") } : undefined));
    b.onResolve({ filter: /^\.\/tty-load\.js$/ }, (args) => (args.importer.endsWith(`${sep}src${sep}cli${sep}progress${sep}mode.ts`) ? { path: resolve("src/cli/progress/tty-load-bundled.ts") } : undefined));
  },
};

/**
 * CJS_SCRIPT is what every CLI output shares: a self-contained CommonJS file (`.cjs`) for Node 20
 * with its source map. A script, not an ES module: Node sets up its ES module loader (~5 ms) only
 * for the latter, and offers V8's code cache only for scripts.
 */
const CJS_SCRIPT = { outExtension: { ".js": ".cjs" }, bundle: true, platform: "node", format: "cjs", target: "node20", sourcemap: true };

// The two programs as CommonJS bundles, each self-contained: the fast path of a foreground
// `tsbuild run` (src/cli/run-fast.ts), which needs none of the build code, and the command
// program. main.cjs runs them as scripts with V8's code cache (src/cli/bundle-load.ts), which
// Node 20 offers for scripts but not for ES modules. Modules imported dynamically inside a
// bundle (the builder, the parser, the tty renderer) are initialized only when first used.
const programs = await build({
  ...CJS_SCRIPT,
  entryPoints: { run: "src/cli/run-fast.ts", program: "src/cli/program.ts" },
  outdir: "dist/cli/bundle",
  entryNames: "[name]-[hash]",
  metafile: true,
  // better-sqlite3's JavaScript is bundled (bundleSwaps); its addon is loaded from the package,
  // and `bindings` only when the addon is not in the package's build dir. ink (an ES module) is
  // imported by main.cjs for the tty renderer; React is CommonJS and require()d.
  external: ["bindings", "ink", "react", "react/jsx-runtime"],
  plugins: [bundleSwaps, noWebStreamsPolyfill, lazyBuiltins],
  // Each bundle is the function bundle-load.ts calls (as Node wraps a CommonJS module), written
  // out so that the 1.7 MB source needs no concatenation (and copy) at every start.
  banner: { js: "(function (exports, require, module, __filename, __dirname, __tsbuild) {" },
  footer: { js: "})" },
  // bundle-load.ts passes each bundle its file URL as __tsbuild.url.
  define: { __TSBUILD_PARSER_FINGERPRINT__: JSON.stringify(parserFingerprint()), "import.meta.url": "__tsbuild.url" },
  logLevel: "warning",
});

// The code caches bundle-load.ts writes next to the bundles (when that dir is writable) are this
// machine's: `npm pack` leaves them out (a .npmignore in a subdirectory applies despite "files").
writeFileSync("dist/cli/bundle/.npmignore", "*.v8cache\n*.tmp\n");

/** bundles maps each program to its bundle's path relative to dist/cli; a dynamic import() left in one fails the build (a script has none). */
const bundles = {};
for (const [out, meta] of Object.entries(programs.metafile.outputs)) {
  if (!out.endsWith(".cjs")) continue;
  // esbuild escapes every non-ASCII character but those in comments (its default `ascii`
  // charset); those become "?" (as many UTF-16 units, so source map columns hold). An ASCII
  // source is read as latin1 and is a one-byte string in V8: decoding and scanning the program
  // bundle as UTF-8 costs several milliseconds more on every start.
  writeFileSync(out, readFileSync(out, "utf8").replace(/[^\x00-\x7f]/gu, (c) => "?".repeat(c.length)));
  const dynamic = meta.imports.filter((i) => i.kind === "dynamic-import" && i.external);
  if (dynamic.length > 0) throw new Error(`${out}: import() of ${dynamic.map((i) => i.path).join(", ")} cannot run in a script; load it through __tsbuild.preload`);
  bundles[meta.entryPoint.endsWith("run-fast.ts") ? "run" : "program"] = out.slice("dist/cli/".length);
}

await build({
  ...CJS_SCRIPT,
  entryPoints: { main: "src/cli/main.ts" },
  outdir: "dist/cli",
  define: { __TSBUILD_CLI_BUNDLES__: JSON.stringify(bundles) },
  // main.ts imports the programs themselves only when unbundled (run with tsx).
  external: ["./run-fast.js", "./program.js"],
  // The `--` keeps Node 20 from reading tsbuild's own `--env-file FILE` as its option (it exits
  // when FILE is missing). The shebang moves NODE_EXTRA_CA_CERTS to TSBUILD_EXTRA_CA_CERTS (GNU
  // env expands ${VAR} in -S): Node 20 would load the file and build its whole root store at
  // every start (~50 ms), while tsbuild needs it only for HTTPS requests, where
  // src/registry/trust.ts loads it.
  banner: { js: "#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS TSBUILD_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node --" },
  logLevel: "warning",
});

// tsc's ES module output of main.ts would run the CLI unbundled: only the bundled bin is shipped.
for (const f of ["main.js", "main.js.map", "main.d.ts", "main.d.ts.map"]) rmSync(`dist/cli/${f}`, { force: true });
chmodSync("dist/cli/main.cjs", 0o755);
