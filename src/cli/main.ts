// tsbuild's executable entry: builds the commander program and runs it. The CLI is the only
// code that writes to stdout/stderr or sets the exit code. A plain foreground `tsbuild run` takes
// a fast path (run-fast.ts) that loads only the container code; both are imported on demand so
// that each loads only its own part of the bundle.

// A reader that stops early (`tsbuild images | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

/** mayBeFastRun is a cheap look at argv: only then is the fast path loaded at all. */
const mayBeFastRun = process.argv.slice(2, 5).includes("run");
const fast = mayBeFastRun ? await (await import("./run-fast.js")).fastRun(process.argv) : undefined;
process.exitCode = fast ?? (await (await import("./program.js")).run(process.argv));
