// tsbuild's executable entry: builds the commander program and runs it. The CLI is the only
// code that writes to stdout/stderr or sets the exit code. A plain foreground `tsbuild run` takes
// a fast path (run-fast.ts) that loads only the container code; both are loaded on demand so
// that each loads only its own part. In the bundled CLI (scripts/bundle-cli.mjs) each is a
// CommonJS bundle run through V8's code cache (bundle-load.ts); unbundled, they are imported.
import type * as Program from "./program.js";
import type * as RunFast from "./run-fast.js";

declare const __TSBUILD_CLI_BUNDLES__: { readonly run: string; readonly program: string } | undefined;

/** BUNDLES names the bundles of the fast run path and of the program (relative to this file), or undefined unbundled. */
const BUNDLES = typeof __TSBUILD_CLI_BUNDLES__ === "object" ? __TSBUILD_CLI_BUNDLES__ : undefined;

// A reader that stops early (`tsbuild images | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

/** commandLabel is the word naming the command (after `--root DIR`), which keys the code cache's coverage. */
function commandLabel(argv: readonly string[]): string {
  const word = argv[2] === "--root" ? argv[4] : argv[2];
  return word !== undefined && /^[a-z][a-z-]*$/.test(word) ? word : "";
}

/** load returns one part of the CLI: from its bundle when bundled, else imported. */
async function load<T>(part: "run" | "program", label: string, unbundled: () => Promise<T>): Promise<T> {
  if (BUNDLES === undefined) return unbundled();
  const { loadBundle } = await import("./bundle-load.js");
  return loadBundle(new URL(BUNDLES[part], import.meta.url).pathname, label) as T;
}

/** mayBeFastRun is a cheap look at argv: only then is the fast path loaded at all. */
const mayBeFastRun = process.argv.slice(2, 5).includes("run");
const fast = mayBeFastRun ? await (await load<typeof RunFast>("run", "run", () => import("./run-fast.js"))).fastRun(process.argv) : undefined;
process.exitCode = fast ?? (await (await load<typeof Program>("program", commandLabel(process.argv), () => import("./program.js"))).run(process.argv));
