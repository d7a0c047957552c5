/**
 * appendFile is a Writable that appends to a file, as `fs.createWriteStream(path, { flags: "a" })`
 * does, without Node's file stream module: loading that costs ~1.3 ms, a noticeable part of a
 * container start, which writes its output log through this. The file is opened (created with
 * mode 0666 less the umask) in the thread pool before the first write; each chunk is written
 * whole (a short write continues), and the file is closed at the end or on destroy.
 */
import { close, open, write } from "node:fs";
import { Writable } from "node:stream";

/** writeAll writes all of `chunk` to `fd` from `at`, continuing after a short write. */
function writeAll(fd: number, chunk: Buffer, at: number, done: (err?: Error | null) => void): void {
  write(fd, chunk, at, chunk.length - at, null, (err, n) => {
    if (err) return done(err);
    if (at + n < chunk.length) return writeAll(fd, chunk, at + n, done);
    done();
  });
}

export function appendFile(path: string): Writable {
  let fd: number | undefined;
  return new Writable({
    construct(done) {
      open(path, "a", 0o666, (err, opened) => {
        fd = opened;
        done(err);
      });
    },
    write(chunk: Buffer, _enc, done) {
      writeAll(fd as number, chunk, 0, done);
    },
    final(done) {
      const f = fd;
      fd = undefined;
      if (f === undefined) return done();
      close(f, (err) => done(err));
    },
    destroy(err, done) {
      const f = fd;
      fd = undefined;
      if (f === undefined) return done(err);
      // The destroy's own error is the one to report; a close failure after it adds nothing.
      close(f, () => done(err));
    },
  });
}
