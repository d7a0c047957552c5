// tsbuild's executable entry: builds the commander program and runs it. The CLI is the only
// code that writes to stdout/stderr or sets the exit code.
import { run } from "./program.js";

// A reader that stops early (`tsbuild images | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await run(process.argv);
