// esbuild plugins for both bundles (scripts/bundle-cli.mjs, scripts/bundle-api.mjs).
import { builtinModules, createRequire } from "node:module";
import { sep } from "node:path";

/**
 * noWebStreamsPolyfill swaps fetch-blob's (node-fetch's) web streams polyfill for nothing. It is
 * for Node < 16.5, and its `!globalThis.ReadableStream` test alone makes Node 20 load its web
 * streams (~2 ms of every registry command); tsbuild needs Node 20. Its fallback require()s of
 * builtins also have no `require` to call in an ES module bundle.
 */
export const noWebStreamsPolyfill = {
  name: "no-web-streams-polyfill",
  setup(b) {
    b.onResolve({ filter: /^\.\/streams\.cjs$/ }, (args) => (args.importer.includes(`${sep}node_modules${sep}fetch-blob${sep}`) ? { path: "fetch-blob-streams", namespace: "empty" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "", loader: "js" }));
  },
};

/** EAGER_BUILTINS are loaded by Node's own start-up anyway: requiring them costs nothing to defer. */
const EAGER_BUILTINS = new Set(["buffer", "events", "fs", "module", "path", "process", "timers", "url", "util"]);

/**
 * lazyBuiltins makes the bundles' builtins load on first use: each module's top-level
 * `require("node:https")` (or import) gets an object whose getters load the builtin (with
 * process.getBuiltinModule, which CommonJS and ES module bundles alike have) when one of its
 * exports is first read. Without it, starting any command would load what every module of the
 * program imports (https and tls for the registry, zlib, crypto, child_process, readline ...),
 * since a bundle initializes each statically imported module at start. Builtins whose exports
 * are a function (stream, assert) and those Node loads anyway stay plain requires. The names come
 * from the Node running this build; tsbuild's code uses only names Node 20 has.
 */
export const lazyBuiltins = {
  name: "lazy-builtins",
  setup(b) {
    const nodeRequire = createRequire(import.meta.url);
    b.onResolve({ filter: /^(node:)?[a-z_0-9/]+$/ }, (args) => {
      const id = args.path.replace(/^node:/, "");
      if (!builtinModules.includes(id) || EAGER_BUILTINS.has(id)) return undefined;
      return typeof nodeRequire(id) === "object" ? { path: id, namespace: "lazy-builtin" } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => {
      const real = nodeRequire(args.path);
      const names = Object.getOwnPropertyNames(real).filter((n) => n !== "__proto__");
      const enumerable = names.map((n) => Object.getOwnPropertyDescriptor(real, n).enumerable);
      // The getters sit on the prototype: esbuild's ESM interop (__toESM) copies a module's own
      // properties into each importer's view, one getter each, but keeps its prototype.
      const contents = `let m;\nconst proto = {};\nconst names = ${JSON.stringify(names)};\nconst enumerable = ${JSON.stringify(enumerable)};\nnames.forEach((n, i) => Object.defineProperty(proto, n, { enumerable: enumerable[i], get: () => (m ??= process.getBuiltinModule(${JSON.stringify(`node:${args.path}`)}))[n] }));\nmodule.exports = Object.create(proto);\n`;
      return { contents, loader: "js" };
    });
  },
};
