// tsbuild's executable entry (bundled as the CommonJS script dist/cli/main.cjs, the package's
// bin): builds the commander program and runs it. The CLI is the only
// code that writes to stdout/stderr or sets the exit code. A plain foreground `tsbuild run` takes
// a fast path (run-fast.ts) that loads only the container code; both are loaded on demand so
// that each loads only its own part. In the bundled CLI (scripts/bundle-cli.mjs) each is a
// CommonJS bundle run through V8's code cache (bundle-load.ts); unbundled, they are imported.
import type * as Program from "./program.js";
import type * as RunFast from "./run-fast.js";
import { guardStdio } from "./stdio.js";

declare const __TSBUILD_CLI_BUNDLES__: { readonly run: string; readonly program: string } | undefined;

/** BUNDLES names the bundles of the fast run path and of the program (relative to this file), or undefined unbundled. */
const BUNDLES = typeof __TSBUILD_CLI_BUNDLES__ === "object" ? __TSBUILD_CLI_BUNDLES__ : undefined;

/** load returns one part of the CLI: from its bundle when bundled, else imported. */
async function load<T>(part: "run" | "program", label: () => string, unbundled: () => Promise<T>): Promise<T> {
  if (BUNDLES === undefined) return unbundled();
  const { loadBundle } = await import("./bundle-load.js");
  // Bundled, this is the CommonJS script dist/cli/main.cjs, and the bundles lie below its dir.
  return loadBundle(process.getBuiltinModule("node:path").join(__dirname, BUNDLES[part]), label) as T;
}

/** mayBeFastRun is a cheap look at argv: only then is the fast path loaded at all. */
const mayBeFastRun = process.argv.slice(2, 5).includes("run");
/** fast is the fast path's exit code; undefined while it runs and when it declined the command. */
let fast: number | undefined;
/** program is the command program once loaded (it names the command it ran, for the code cache). */
let program: typeof Program | undefined;

/** main runs the command: the fast path when it takes argv, else the program. */
async function main(): Promise<number> {
  if (mayBeFastRun) fast = await (await load<typeof RunFast>("run", () => (fast === undefined ? "" : "run"), () => import("./run-fast.js"))).fastRun(process.argv);
  if (fast !== undefined) return fast;
  // The program's commands write to both (the fast path makes them only when it writes: stdio.ts).
  guardStdio(process.stdout);
  guardStdio(process.stderr);
  program = await load<typeof Program>("program", () => program?.commandRan() ?? "", () => import("./program.js"));
  return program.run(process.argv);
}

// No top-level await: the bundled entry is a CommonJS script (an ES module entry costs Node ~5 ms
// of module loader set-up at every start). A failure the program did not report is an unhandled
// rejection: Node prints it and exits with status 1. A fast-path run has ended its container and
// cleaned up when it returns (stdout and stderr writes are synchronous on Linux): it exits at
// once, which spares tearing down Node's environment and V8 heap (~1.5 ms); the program's
// commands may leave work to the event loop and end when it is done.
void main().then((code) => (fast !== undefined ? process.exit(code) : void (process.exitCode = code)));
