/**
 * The CLI's standard output and error. Node makes process.stdout and process.stderr on first use
 * (a stream over a pipe, file or terminal: ~1.5 ms at a start), so the fast run path touches them
 * only when there is something to write: relayOutput gives it writables that make the real one on
 * their first write. Every path guards them against EPIPE once (guardStdio).
 */
import { Writable } from "node:stream";

/** GUARDED marks a stream that guardStdio has been applied to (shared by the CLI's bundles, which each have a copy of this module). */
const GUARDED = Symbol.for("tsbuild.stdio.guarded");
/** RELAYED marks a stream whose EPIPE a relayOutput handles, so that the guard leaves it alone. */
const RELAYED = Symbol.for("tsbuild.stdio.relayed");

type Marked = NodeJS.WriteStream & { [GUARDED]?: true; [RELAYED]?: true };

/**
 * guardStdio makes an EPIPE on `stream` end the process quietly with the exit code set so far: a
 * reader that stops early (`tsbuild images | head`) closes the pipe, which is not an error. Other
 * stream errors are thrown. Returns the stream.
 */
export function guardStdio<T extends NodeJS.WriteStream>(stream: T): T {
  const marked = stream as T & Marked;
  if (marked[GUARDED]) return stream;
  marked[GUARDED] = true;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    if (marked[RELAYED]) return; // the relay that wrote it fails its own write (relayOutput)
    process.exit(process.exitCode ?? 0);
  });
  return stream;
}

/**
 * relayOutput is where a foreground container's output goes: a writable that passes every write
 * to process.stdout or process.stderr, made on the first write. When the reader has gone (EPIPE),
 * the write fails this writable instead of ending tsbuild, so that the relay closes the
 * container's end of the pipe and the container meets the broken pipe itself (SIGPIPE, as
 * without tsbuild in between); tsbuild then cleans up after it as after any exit.
 */
export function relayOutput(name: "stdout" | "stderr"): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const real = guardStdio(process[name]) as Marked;
      real[RELAYED] = true;
      real.write(chunk, (err) => done(err ?? null));
    },
  });
}
