// An esbuild plugin for both bundles (scripts/bundle-cli.mjs, scripts/bundle-api.mjs).
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
